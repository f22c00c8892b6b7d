// Package proxy is a Kafka protocol proxy that validates produced records
// against a schema registry, as Confluent Server's
// confluent.key/value.schema.validation topic settings do, for Apache Kafka
// brokers that have no such hook.
//
// It passes every request through unchanged except three kinds: broker
// addresses in Metadata, FindCoordinator, DescribeCluster (and Produce's
// leader hints) are rewritten to the proxy's own listeners, one per broker;
// ApiVersions is capped to the versions the proxy can read; and a Produce
// request's batches for topics with validation on are decoded and checked
// with package hook. A partition whose batch fails is answered by the proxy
// with INVALID_RECORD and never reaches the broker; the request's other
// partitions are forwarded, their batch bytes untouched, and the two
// answers are merged.
//
// It reads the registry through a hook.Source (RemoteSource over the REST
// API), never the store. Flags and files belong to cmd/sr-proxy.
package proxy
