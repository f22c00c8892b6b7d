// Package kafka is the registry's Log on the compacted `_schemas` topic,
// through franz-go, byte-compatible with Confluent's records, and the
// election of one primary through the Kafka group protocol (protocol type
// "sr"), so that our nodes can share a topic and a group with Confluent's.
package kafka
