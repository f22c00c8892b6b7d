"""Interop: Python confluent-kafka producing and consuming through the
validating proxy (cmd/sr-proxy) in front of a real Apache Kafka broker,
with the Avro serializer registering its schemas on this registry."""
import uuid

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.rule_registry import RuleRegistry
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

ORDER = '{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}'
ADDRESS = '{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]}'


def test_proxy_refuses_invalid_records(registry_url, proxy_bootstrap):
    topic = f"proxy-py-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": proxy_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(timeout=60)

    client = SchemaRegistryClient({"url": registry_url})
    # A rule registry of their own: the global one may hold an executor that
    # another test configured for another registry.
    rules = RuleRegistry()
    good = AvroSerializer(client, ORDER, rule_registry=rules)({"id": 1}, SerializationContext(topic, MessageField.VALUE))
    # Another subject's id: the Address schema registered for another topic.
    other = AvroSerializer(client, ADDRESS, rule_registry=rules)({"street": "Main"},
                                                                 SerializationContext(topic + "-other", MessageField.VALUE))
    unknown = b"\x00\x7f\xff\xff\xf0" + good[5:]

    producer = Producer({"bootstrap.servers": proxy_bootstrap, "linger.ms": 0})

    def deliver(value):
        outcome = []
        producer.produce(topic, value=value, on_delivery=lambda err, msg: outcome.append(err))
        producer.flush(60)
        assert len(outcome) == 1, "no delivery report"
        return outcome[0]

    assert deliver(good) is None
    for name, bad in {"unknown id": unknown, "another subject's id": other, "no prefix": b"plain text"}.items():
        err = deliver(bad)
        assert err is not None and err.code() == KafkaError.INVALID_RECORD, f"{name}: {err}"
    assert deliver(good) is None

    consumer = Consumer({"bootstrap.servers": proxy_bootstrap, "group.id": topic, "auto.offset.reset": "earliest"})
    try:
        consumer.subscribe([topic])
        got = []
        for _ in range(120):
            if len(got) == 2:
                break
            msg = consumer.poll(1.0)
            if msg is not None and msg.error() is None:
                got.append(msg.value())
        assert got == [good, good]
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)
        assert high == 2, "a refused record reached the topic"
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
