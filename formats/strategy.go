package formats

import (
	"fmt"
	"strings"
)

// Strategy is a subject name strategy: how a serializer turns a topic and a
// schema into the subject it registers under.
type Strategy int

// The strategies of Confluent's serializers.
const (
	TopicNameStrategy       Strategy = iota // <topic>-key, <topic>-value
	RecordNameStrategy                      // the record's full name
	TopicRecordNameStrategy                 // <topic>-<record full name>
)

func (s Strategy) String() string {
	return [...]string{"TopicNameStrategy", "RecordNameStrategy", "TopicRecordNameStrategy"}[s]
}

// ParseStrategy accepts the names users configure: Confluent's class names
// (io.confluent.kafka.serializers.subject.TopicNameStrategy), the simple
// class name, or topic / record / topic_record in any case.
func ParseStrategy(name string) (Strategy, error) {
	n := strings.TrimSpace(name)
	if i := strings.LastIndexByte(n, '.'); i >= 0 {
		n = n[i+1:]
	}
	switch strings.ToLower(strings.ReplaceAll(n, "_", "")) {
	case "topicnamestrategy", "topic", "topicname":
		return TopicNameStrategy, nil
	case "recordnamestrategy", "record", "recordname":
		return RecordNameStrategy, nil
	case "topicrecordnamestrategy", "topicrecord", "topicrecordname":
		return TopicRecordNameStrategy, nil
	}
	return 0, fmt.Errorf("unknown subject name strategy %q: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy", name)
}

// Subject returns the subject for a record of topic whose key (isKey) or
// value has the given record name. The record name strategies need one.
func (s Strategy) Subject(topic string, isKey bool, recordName string) (string, error) {
	switch s {
	case TopicNameStrategy:
		if isKey {
			return topic + "-key", nil
		}
		return topic + "-value", nil
	case RecordNameStrategy, TopicRecordNameStrategy:
		if recordName == "" {
			return "", fmt.Errorf("%s needs a record name, and the schema has none", s)
		}
		if s == RecordNameStrategy {
			return recordName, nil
		}
		return topic + "-" + recordName, nil
	}
	return "", fmt.Errorf("unknown strategy %d", int(s))
}

// RecordNamer is a schema with a record name for the strategies: the Avro
// named type's full name, a JSON Schema's title, a Protobuf message's full
// name (the first one; serializers pick by message index).
type RecordNamer interface {
	RecordName() string
}
