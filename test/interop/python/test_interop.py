"""Interop: Python confluent-kafka's SchemaRegistryClient and serializers
against this registry, and the validation hook on what they produced."""
import base64
import json
import uuid

import pytest
import requests
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf import timestamp_pb2  # noqa: F401  (puts timestamp.proto in the default pool)

from confluent_kafka.schema_registry import (
    Schema,
    SchemaReference,
    SchemaRegistryClient,
    record_subject_name_strategy,
    topic_record_subject_name_strategy,
    topic_subject_name_strategy,
)
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

TOPIC_NAME = "io.confluent.kafka.serializers.subject.TopicNameStrategy"
RECORD_NAME = "io.confluent.kafka.serializers.subject.RecordNameStrategy"
TOPIC_RECORD_NAME = "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"


def user_schema(ns, extra_fields=()):
    return json.dumps({
        "type": "record", "name": "User", "namespace": ns,
        "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}, *extra_fields],
    })


def uniq(prefix):
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def client(registry_url):
    c = SchemaRegistryClient({"url": registry_url})
    yield c
    c.close() if hasattr(c, "close") else None


def hook(url, topic, value, strategy=None, **settings):
    body = {"records": [{"value": base64.b64encode(value).decode()}]}
    if strategy:
        body["confluent.value.subject.name.strategy"] = strategy
    body.update(settings)
    r = requests.post(f"{url}/validation/topics/{topic}", json=body, timeout=10)
    assert r.status_code == 200, (r.status_code, r.text)
    results = r.json()["results"]
    assert len(results) == 1, results
    return results[0]


def assert_valid(url, topic, value, strategy=None):
    # prefix check, then with payload decoding on
    for deep in (False, True):
        v = hook(url, topic, value, strategy, **{"confluent.payload.validation": deep})
        assert v["valid"], (topic, strategy, deep, v)


def schema_id(payload):
    assert payload[0] == 0, payload[:5]
    return int.from_bytes(payload[1:5], "big")


# --- Avro ------------------------------------------------------------------

@pytest.mark.parametrize("strategy_fn,hook_strategy,subject_of", [
    (topic_subject_name_strategy, TOPIC_NAME, lambda topic, full: f"{topic}-value"),
    (record_subject_name_strategy, RECORD_NAME, lambda topic, full: full),
    (topic_record_subject_name_strategy, TOPIC_RECORD_NAME, lambda topic, full: f"{topic}-{full}"),
], ids=["topic", "record", "topic_record"])
def test_avro_auto_register_each_strategy(client, registry_url, strategy_fn, hook_strategy, subject_of):
    topic = uniq("py-avro-")
    ns = uniq("interop.py.n")
    ser = AvroSerializer(client, user_schema(ns), conf={"subject.name.strategy": strategy_fn})
    ctx = SerializationContext(topic, MessageField.VALUE)
    value = {"id": 7, "name": "ada"}
    payload = ser(value, ctx)
    subject = subject_of(topic, f"{ns}.User")
    assert subject in client.get_subjects()
    latest = client.get_latest_version(subject)
    assert schema_id(payload) == latest.schema_id
    assert AvroDeserializer(client)(payload, ctx) == value
    assert_valid(registry_url, topic, payload, hook_strategy)
    if hook_strategy != TOPIC_NAME:
        # under the topic's default strategy the id belongs to no subject of the topic
        v = hook(registry_url, topic, payload)
        assert not v["valid"] and v["reason"] == "SUBJECT_MISMATCH", v


def test_avro_use_latest_version_and_lookup(client, registry_url):
    topic = uniq("py-latest-")
    subject = f"{topic}-value"
    ns = uniq("interop.py.n")
    v1 = Schema(user_schema(ns), "AVRO")
    v2 = Schema(user_schema(ns, [{"name": "email", "type": ["null", "string"], "default": None}]), "AVRO")
    id1 = client.register_schema(subject, v1)
    id2 = client.register_schema(subject, v2)
    assert id1 != id2
    # lookup
    found = client.lookup_schema(subject, v1)
    assert (found.schema_id, found.version, found.subject) == (id1, 1, subject)
    found2 = client.lookup_schema(subject, v2)
    assert (found2.schema_id, found2.version) == (id2, 2)
    with pytest.raises(SchemaRegistryError) as e:
        client.lookup_schema(subject, Schema(user_schema(uniq("other.ns")), "AVRO"))
    assert e.value.http_status_code == 404 and e.value.error_code == 40403, e.value
    # the serializer holds v1 but writes with the latest (v2), registering nothing
    ser = AvroSerializer(client, user_schema(ns), conf={"auto.register.schemas": False, "use.latest.version": True})
    ctx = SerializationContext(topic, MessageField.VALUE)
    payload = ser({"id": 1, "name": "bo", "email": "b@x"}, ctx)
    assert schema_id(payload) == id2
    assert client.get_versions(subject) == [1, 2]
    assert AvroDeserializer(client)(payload, ctx) == {"id": 1, "name": "bo", "email": "b@x"}
    # a reader schema (v1) resolves the v2 record
    assert AvroDeserializer(client, user_schema(ns))(payload, ctx) == {"id": 1, "name": "bo"}
    assert_valid(registry_url, topic, payload)
    # without use.latest.version and without auto-register: the schema must already be there
    ser_v1 = AvroSerializer(client, user_schema(ns), conf={"auto.register.schemas": False})
    assert schema_id(ser_v1({"id": 2, "name": "cy"}, ctx)) == id1


def test_avro_reference(client, registry_url):
    topic = uniq("py-ref-")
    ns = uniq("interop.py.n")
    address = json.dumps({"type": "record", "name": "Address", "namespace": ns,
                          "fields": [{"name": "city", "type": "string"}]})
    addr_subject = f"{ns}.Address"
    client.register_schema(addr_subject, Schema(address, "AVRO"))
    person = json.dumps({"type": "record", "name": "Person", "namespace": ns,
                         "fields": [{"name": "name", "type": "string"},
                                    {"name": "home", "type": f"{ns}.Address"}]})
    schema = Schema(person, "AVRO", references=[SchemaReference(f"{ns}.Address", addr_subject, 1)])
    ser = AvroSerializer(client, schema)
    ctx = SerializationContext(topic, MessageField.VALUE)
    value = {"name": "ada", "home": {"city": "London"}}
    payload = ser(value, ctx)
    registered = client.get_latest_version(f"{topic}-value")
    assert registered.schema_id == schema_id(payload)
    assert [(r.name, r.subject, r.version) for r in registered.schema.references] == [(f"{ns}.Address", addr_subject, 1)]
    fetched = client.get_schema(schema_id(payload))
    assert len(fetched.references) == 1
    assert client.get_referenced_by(addr_subject, 1) == [registered.schema_id]
    assert AvroDeserializer(client)(payload, ctx) == value
    assert_valid(registry_url, topic, payload)


def test_avro_incompatible_change_refused(client, registry_url):
    topic = uniq("py-compat-")
    ns = uniq("interop.py.n")
    ctx = SerializationContext(topic, MessageField.VALUE)
    AvroSerializer(client, user_schema(ns))({"id": 1, "name": "a"}, ctx)
    # a new field without a default: not BACKWARD compatible
    bad = user_schema(ns, [{"name": "age", "type": "int"}])
    with pytest.raises(SchemaRegistryError) as e:
        AvroSerializer(client, bad)({"id": 1, "name": "a", "age": 3}, ctx)
    assert e.value.http_status_code == 409, e.value
    assert e.value.error_code in (409, 40901), e.value
    assert client.get_versions(f"{topic}-value") == [1]
    assert client.test_compatibility(f"{topic}-value", Schema(bad, "AVRO")) is False


def test_hook_subject_mismatch(client, registry_url):
    a, b = uniq("py-a-"), uniq("py-b-")
    ns = uniq("interop.py.n")
    pa = AvroSerializer(client, user_schema(ns))({"id": 1, "name": "a"}, SerializationContext(a, MessageField.VALUE))
    other = json.dumps({"type": "record", "name": "Other", "namespace": ns, "fields": [{"name": "x", "type": "int"}]})
    pb = AvroSerializer(client, other)({"x": 1}, SerializationContext(b, MessageField.VALUE))
    assert_valid(registry_url, a, pa)
    assert_valid(registry_url, b, pb)
    v = hook(registry_url, b, pa)
    assert not v["valid"] and v["reason"] == "SUBJECT_MISMATCH" and v["side"] == "value", v
    # same under the record name strategy (Other's subject does not hold User's id)
    v = hook(registry_url, a, pb[:1] + pa[1:5] + pb[5:], RECORD_NAME)
    assert not v["valid"] and v["reason"] == "SUBJECT_MISMATCH", v


# --- JSON Schema -----------------------------------------------------------

JSON_SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "interop.py.Order",
    "type": "object",
    "properties": {"id": {"type": "integer"}, "item": {"type": "string"}},
    "required": ["id"],
    "additionalProperties": False,
})


@pytest.mark.parametrize("strategy_fn,hook_strategy,subject_of", [
    (topic_subject_name_strategy, TOPIC_NAME, lambda topic: f"{topic}-value"),
    (topic_record_subject_name_strategy, TOPIC_RECORD_NAME, lambda topic: f"{topic}-interop.py.Order"),
], ids=["topic", "topic_record"])
def test_json_round_trip(client, registry_url, strategy_fn, hook_strategy, subject_of):
    topic = uniq("py-json-")
    ctx = SerializationContext(topic, MessageField.VALUE)
    ser = JSONSerializer(JSON_SCHEMA, client, conf={"subject.name.strategy": strategy_fn})
    value = {"id": 5, "item": "pen"}
    payload = ser(value, ctx)
    assert client.get_latest_version(subject_of(topic)).schema_id == schema_id(payload)
    assert JSONDeserializer(None, schema_registry_client=client)(payload, ctx) == value
    assert JSONDeserializer(JSON_SCHEMA)(payload, ctx) == value
    assert_valid(registry_url, topic, payload, hook_strategy)
    # use.latest.version, lookup
    ser2 = JSONSerializer(JSON_SCHEMA, client, conf={"subject.name.strategy": strategy_fn,
                                                    "auto.register.schemas": False, "use.latest.version": True})
    assert ser2(value, ctx) == payload
    assert client.lookup_schema(subject_of(topic), Schema(JSON_SCHEMA, "JSON")).schema_id == schema_id(payload)


def test_json_incompatible_change_refused(client):
    topic = uniq("py-jsoncompat-")
    ctx = SerializationContext(topic, MessageField.VALUE)
    JSONSerializer(JSON_SCHEMA, client)({"id": 1}, ctx)
    narrowed = json.loads(JSON_SCHEMA)
    narrowed["properties"]["id"] = {"type": "string"}
    with pytest.raises(SchemaRegistryError) as e:
        JSONSerializer(json.dumps(narrowed), client)({"id": "1"}, ctx)
    assert e.value.http_status_code == 409 and e.value.error_code in (409, 40901), e.value


# --- Protobuf --------------------------------------------------------------

def _proto_classes():
    """Builds interop.py.proto.{Order,Shipment} at run time; Shipment has a
    google.protobuf.Timestamp field (an import of a well-known type)."""
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name="interop/py/shop.proto", package="interop.py.proto", syntax="proto3")
    fdp.dependency.append("google/protobuf/timestamp.proto")
    order = fdp.message_type.add(name="Order")
    order.field.add(name="id", number=1, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    order.field.add(name="item", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    ship = fdp.message_type.add(name="Shipment")
    ship.field.add(name="order_id", number=1, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    ship.field.add(name="at", number=2, type=F.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp", label=F.LABEL_OPTIONAL)
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(fdp.name)
    except KeyError:
        pool.AddSerializedFile(fdp.SerializeToString())
    return (message_factory.GetMessageClass(pool.FindMessageTypeByName("interop.py.proto.Order")),
            message_factory.GetMessageClass(pool.FindMessageTypeByName("interop.py.proto.Shipment")))


def test_protobuf_round_trip(client, registry_url):
    Order, Shipment = _proto_classes()
    topic = uniq("py-proto-")
    ctx = SerializationContext(topic, MessageField.VALUE)
    conf = {"use.deprecated.format": False}
    o = Order(id=9, item="ink")
    p1 = ProtobufSerializer(Order, client, conf)(o, ctx)
    assert p1[5] == 0  # message index [0]: the single byte 0
    assert ProtobufDeserializer(Order, conf)(p1, ctx) == o
    assert_valid(registry_url, topic, p1)
    registered = client.get_latest_version(f"{topic}-value")
    assert registered.schema.schema_type == "PROTOBUF" and registered.schema_id == schema_id(p1)
    # the second message of the file: message index [1]; timestamp.proto is a known type
    topic2 = uniq("py-proto-")
    ctx2 = SerializationContext(topic2, MessageField.VALUE)
    s = Shipment(order_id=9)
    s.at.seconds = 1700000000
    p2 = ProtobufSerializer(Shipment, client, dict(conf, **{"subject.name.strategy": record_subject_name_strategy}))(s, ctx2)
    assert p2[5:7] == b"\x02\x02", p2[:8]  # zig-zag varints: one index, value 1
    assert ProtobufDeserializer(Shipment, conf)(p2, ctx2) == s
    assert schema_id(p2) == client.get_latest_version("interop.py.proto.Shipment").schema_id
    assert_valid(registry_url, topic2, p2, RECORD_NAME)
    # lookup of the schema the serializer registered (base64 descriptor as sent)
    assert client.lookup_schema(f"{topic}-value", registered.schema).schema_id == schema_id(p1)
    # the id of Order's subject under Shipment's record subject: mismatch
    v = hook(registry_url, topic2, p1, RECORD_NAME)
    assert not v["valid"] and v["reason"] == "SUBJECT_MISMATCH", v


def test_protobuf_use_latest_version(client):
    Order, _ = _proto_classes()
    topic = uniq("py-protolatest-")
    ctx = SerializationContext(topic, MessageField.VALUE)
    conf = {"use.deprecated.format": False}
    first = ProtobufSerializer(Order, client, conf)(Order(id=1), ctx)
    ser = ProtobufSerializer(Order, client, dict(conf, **{"auto.register.schemas": False, "use.latest.version": True}))
    assert schema_id(ser(Order(id=1), ctx)) == schema_id(first)


def test_protobuf_incompatible_change_refused(client):
    F = descriptor_pb2.FieldDescriptorProto
    topic = uniq("py-protocompat-")
    ctx = SerializationContext(topic, MessageField.VALUE)
    classes = []
    for i, typ in enumerate((F.TYPE_STRING, F.TYPE_INT64)):
        fdp = descriptor_pb2.FileDescriptorProto(name=f"interop/py/{topic}_{i}.proto", package=f"interop.py.c{i}", syntax="proto3")
        m = fdp.message_type.add(name="Item")
        m.field.add(name="v", number=1, type=typ, label=F.LABEL_OPTIONAL)
        descriptor_pool.Default().AddSerializedFile(fdp.SerializeToString())
        classes.append(message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(f"interop.py.c{i}.Item")))
    conf = {"use.deprecated.format": False}
    ProtobufSerializer(classes[0], client, conf)(classes[0](v="x"), ctx)
    # string -> int64 on the same field number: incompatible; the package change too
    with pytest.raises(SchemaRegistryError) as e:
        ProtobufSerializer(classes[1], client, conf)(classes[1](v=1), ctx)
    assert e.value.http_status_code == 409 and e.value.error_code in (409, 40901), e.value


# --- Contexts --------------------------------------------------------------

def get_json(url, **params):
    r = requests.get(url, params=params, timeout=10)
    return r.status_code, r.json()


def test_avro_round_trip_through_context_url(fresh_registry_url):
    """A client whose URL ends in /contexts/.<ctx> works in that context: its
    ids start at 1 and do not name the default context's schemas. On a
    registry of its own, so that the default context is known to be empty."""
    base = fresh_registry_url
    ctx_name = uniq(".pyctx")
    ctx_url = f"{base}/contexts/{ctx_name}"
    qualifier = f":{ctx_name}:"
    topic = uniq("py-ctx-")
    subject = f"{topic}-value"
    ns = uniq("interop.py.ctx")
    schema_str = user_schema(ns)
    sctx = SerializationContext(topic, MessageField.VALUE)
    value = {"id": 7, "name": "ada"}

    ctx_client = SchemaRegistryClient({"url": ctx_url})
    payload = AvroSerializer(ctx_client, schema_str)(value, sctx)
    cid = schema_id(payload)
    assert cid == 1, payload[:5]  # a fresh context's first id

    # registered under the qualified subject, with the id the record carries
    st, latest = get_json(f"{base}/subjects/{qualifier}{subject}/versions/latest")
    assert st == 200, latest
    assert (latest["subject"], latest["id"], latest["version"]) == (qualifier + subject, cid, 1), latest
    assert json.loads(latest["schema"]) == json.loads(schema_str), latest
    # the context lists its own subject, qualified; the default context has none
    assert ctx_client.get_subjects() == [qualifier + subject]
    plain = SchemaRegistryClient({"url": base})
    assert plain.get_subjects(subject_prefix=subject) == []
    assert qualifier + subject in plain.get_subjects()  # no subjectPrefix: every context

    # read back through the context URL by a consumer with a cache of its own
    assert AvroDeserializer(SchemaRegistryClient({"url": ctx_url}))(payload, sctx) == value
    st, by_ctx_url = get_json(f"{ctx_url}/schemas/ids/{cid}")
    assert st == 200 and json.loads(by_ctx_url["schema"]) == json.loads(schema_str), (st, by_ctx_url)

    # the default context holds no id 1 yet: without a hint the id is not found
    st, err = get_json(f"{base}/schemas/ids/{cid}")
    assert (st, err.get("error_code")) == (404, 40403), (st, err)
    with pytest.raises(SchemaRegistryError) as e:
        plain.get_schema(cid)
    assert (e.value.http_status_code, e.value.error_code) == (404, 40403), e.value

    # the default context gets an id 1 of its own, for another schema
    other = json.dumps({"type": "record", "name": "Other", "namespace": ns,
                        "fields": [{"name": "flag", "type": "boolean"}]})
    other_ctx = SerializationContext(uniq("py-ctx-default-"), MessageField.VALUE)
    other_payload = AvroSerializer(plain, other)({"flag": True}, other_ctx)
    assert schema_id(other_payload) == 1, other_payload[:5]
    st, by_default = get_json(f"{base}/schemas/ids/1")
    assert st == 200 and json.loads(by_default["schema"]) == json.loads(other), (st, by_default)
    # id 1 of the context is still User, by hint and through the context URL
    st, by_hint = get_json(f"{base}/schemas/ids/1", subject=qualifier)
    assert st == 200 and json.loads(by_hint["schema"]) == json.loads(schema_str), (st, by_hint)
    st, by_ctx_url = get_json(f"{ctx_url}/schemas/ids/1")
    assert st == 200 and json.loads(by_ctx_url["schema"]) == json.loads(schema_str), (st, by_ctx_url)
    # both records read back, each in its own context, by consumers with empty caches
    assert AvroDeserializer(SchemaRegistryClient({"url": ctx_url}))(payload, sctx) == value
    assert AvroDeserializer(SchemaRegistryClient({"url": base}))(other_payload, other_ctx) == {"flag": True}
    # a consumer on the base URL sends the unqualified subject as its hint; the
    # default context's id 1 is not that subject's, so the id resolves, as
    # Confluent's getSchemaKeyUsingContexts does, under that subject in a context
    assert AvroDeserializer(SchemaRegistryClient({"url": base}))(payload, sctx) == value


def test_oauthbearer_client_credentials(oauth_registry_url, idp):
    """The client gets a token from the identity provider with its client
    id and secret (OAUTHBEARER), and serializes and deserializes through a
    registry that takes only bearer tokens; without a token, or with a
    reader's, it is refused."""
    def client(client_id):
        return SchemaRegistryClient({
            "url": oauth_registry_url,
            "bearer.auth.credentials.source": "OAUTHBEARER",
            "bearer.auth.client.id": client_id,
            "bearer.auth.client.secret": "py-secret",
            "bearer.auth.scope": "schema_registry",
            "bearer.auth.issuer.endpoint.url": idp + "/token",
            "bearer.auth.logical.cluster": "lsrc-interop",
            "bearer.auth.identity.pool.id": "pool-interop",
        })
    writer = client("py-app")
    schema = '{"type":"record","name":"Token","fields":[{"name":"n","type":"int"}]}'
    ser = AvroSerializer(writer, schema)
    ctx = SerializationContext("oauth-topic", MessageField.VALUE)
    data = ser({"n": 7}, ctx)
    schema_id = int.from_bytes(data[1:5], "big")
    assert schema_id >= 1
    assert AvroDeserializer(client("py-reader"))(data, ctx) == {"n": 7}
    # The reader may not register.
    with pytest.raises(SchemaRegistryError) as e:
        client("py-reader").register_schema("oauth-topic-value", Schema(
            '{"type":"record","name":"Token","fields":[{"name":"n","type":"int"},{"name":"m","type":["null","int"],"default":null}]}', "AVRO"))
    assert e.value.http_status_code == 403
    # No token: 401 with the envelope.
    r = requests.get(oauth_registry_url + "/subjects")
    assert r.status_code == 401 and r.json()["error_code"] == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer ")


def test_field_level_encryption_local_kms(fresh_registry_url):
    """Client-side field-level encryption through the DEK registry: an
    ENCRYPT rule on the PII-tagged field, the local KMS driver. The
    serializer creates the KEK and a DEK in the registry; the field is
    ciphertext in the record; a deserializer with the same secret reads it
    back; the registry holds the DEK only encrypted."""
    from confluent_kafka.schema_registry import Metadata, Rule, RuleKind, RuleMode, RuleParams, RuleSet
    from confluent_kafka.schema_registry.rules.encryption.encrypt_executor import FieldEncryptionExecutor
    from confluent_kafka.schema_registry.rules.encryption.localkms.local_driver import LocalKmsDriver
    FieldEncryptionExecutor.register()
    LocalKmsDriver.register()
    client = SchemaRegistryClient({"url": fresh_registry_url})
    schema = json.dumps({"type": "record", "name": "Customer", "fields": [
        {"name": "name", "type": "string"},
        {"name": "ssn", "type": "string", "confluent:tags": ["PII"]}]})
    rule = Rule("encrypt-pii", "", RuleKind.TRANSFORM, RuleMode.WRITEREAD, "ENCRYPT", ["PII"],
                RuleParams({"encrypt.kek.name": "kek-interop", "encrypt.kms.type": "local-kms",
                            "encrypt.kms.key.id": "mykey"}), None, None, "ERROR,NONE", False)
    client.register_schema("customers-value", Schema(schema, "AVRO", [], None, RuleSet(None, [rule])))
    conf = {"auto.register.schemas": False, "use.latest.version": True}
    rule_conf = {"secret": "interop-secret"}
    ser = AvroSerializer(client, None, conf=conf, rule_conf=rule_conf)
    ctx = SerializationContext("customers", MessageField.VALUE)
    data = ser({"name": "Ada", "ssn": "123-45-6789"}, ctx)
    assert b"123-45-6789" not in data and b"Ada" in data
    # The registry holds the KEK and the DEK, encrypted.
    kek = requests.get(fresh_registry_url + "/dek-registry/v1/keks/kek-interop").json()
    assert kek["kmsType"] == "local-kms" and kek["kmsKeyId"] == "mykey" and kek["shared"] is False
    dek = requests.get(fresh_registry_url + "/dek-registry/v1/keks/kek-interop/deks/customers-value/versions/latest").json()
    assert dek["subject"] == "customers-value" and dek["encryptedKeyMaterial"] and "keyMaterial" not in dek
    # Read back with the secret; a wrong secret cannot.
    des = AvroDeserializer(SchemaRegistryClient({"url": fresh_registry_url}), rule_conf=rule_conf)
    assert des(data, ctx) == {"name": "Ada", "ssn": "123-45-6789"}
    with pytest.raises(Exception):
        AvroDeserializer(SchemaRegistryClient({"url": fresh_registry_url}), rule_conf={"secret": "wrong"})(data, ctx)


def test_cel_condition_and_jsonata_migration(fresh_registry_url):
    """Data contracts run by the client: a CEL condition refuses a bad
    record; across a breaking change kept apart by a compatibility group
    (application.major.version), a JSONata UPGRADE rule lets a consumer of
    the new major version read a record written with the old one."""
    from confluent_kafka.schema_registry import Metadata, MetadataProperties, Rule, RuleKind, RuleMode, RuleSet
    from confluent_kafka.schema_registry.rules.cel.cel_executor import CelExecutor
    from confluent_kafka.schema_registry.rules.jsonata.jsonata_executor import JsonataExecutor
    from confluent_kafka.serialization import SerializationError
    from confluent_kafka.schema_registry.rule_registry import RuleRegistry
    # A rule registry of its own: the global one keeps the executors other
    # tests registered, configured for another registry's URL.
    rules = RuleRegistry()
    rules.register_executor(CelExecutor())
    rules.register_executor(JsonataExecutor())
    url = fresh_registry_url
    subject = "people-value"
    r = requests.put(url + "/config/" + subject, json={"compatibility": "BACKWARD", "compatibilityGroup": "application.major.version"})
    assert r.status_code == 200, r.text
    client = SchemaRegistryClient({"url": url})
    v1 = json.dumps({"type": "record", "name": "Person", "fields": [{"name": "name", "type": "string"}, {"name": "ssn", "type": "string"}]})
    v2 = json.dumps({"type": "record", "name": "Person", "fields": [{"name": "name", "type": "string"}, {"name": "socialSecurityNumber", "type": "string"}]})
    check = Rule("ssnLength", "", RuleKind.CONDITION, RuleMode.WRITE, "CEL", None, None, "size(message.ssn) == 11", None, None, False)
    client.register_schema(subject, Schema(v1, "AVRO", [], Metadata(None, MetadataProperties({"application.major.version": "1"}), None),
                                           RuleSet(None, [check])))
    upgrade = Rule("renameSsn", "", RuleKind.TRANSFORM, RuleMode.UPGRADE, "JSONATA", None, None,
                   "$merge([$sift($, function($v, $k) {$k != 'ssn'}), {'socialSecurityNumber': $.'ssn'}])", None, None, False)
    # Incompatible with v1, but in a group of its own.
    reg = client.register_schema_full_response(subject, Schema(v2, "AVRO", [], Metadata(None, MetadataProperties({"application.major.version": "2"}), None),
                                                          RuleSet([upgrade], None)))
    assert reg.version == 2
    ctx = SerializationContext("people", MessageField.VALUE)
    ser = AvroSerializer(client, None, conf={"auto.register.schemas": False, "use.latest.with.metadata": {"application.major.version": "1"}},
                         rule_registry=rules)
    data = ser({"name": "Lin", "ssn": "123-45-6789"}, ctx)
    with pytest.raises(SerializationError):
        ser({"name": "Lin", "ssn": "bad"}, ctx)
    des = AvroDeserializer(SchemaRegistryClient({"url": url}), conf={"use.latest.with.metadata": {"application.major.version": "2"}},
                           rule_registry=rules)
    assert des(data, ctx) == {"name": "Lin", "socialSecurityNumber": "123-45-6789"}


def test_associated_name_strategy(fresh_registry_url):
    """The serializers' default strategy (ASSOCIATED): with the topic orders
    bound to the subject orders-contract (through the client's association
    API), producing to orders registers and reads under orders-contract; a
    topic without an association falls back to the topic name strategy; the
    association is deleted through the client."""
    from confluent_kafka.schema_registry import AssociationCreateOrUpdateInfo, AssociationCreateOrUpdateRequest
    url = fresh_registry_url
    v1 = json.dumps({"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]})
    v2 = json.dumps({"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"},
                                                                   {"name": "note", "type": "string", "default": ""}]})
    client = SchemaRegistryClient({"url": url})
    client.register_schema("orders-contract", Schema(v1, "AVRO"))
    res = client.create_association(AssociationCreateOrUpdateRequest(
        resource_name="orders", resource_namespace="lkc-py", resource_id="orders-id", resource_type="topic",
        associations=[AssociationCreateOrUpdateInfo(subject="orders-contract", association_type="value")]))
    assert [(a.subject, a.lifecycle) for a in res.associations] == [("orders-contract", "WEAK")]
    found = client.get_associations_by_resource_name("orders", "-", "topic", ["value"])
    assert [a.subject for a in found] == ["orders-contract"]

    ser = AvroSerializer(client, v2)  # no strategy configured: ASSOCIATED
    data = ser({"id": 7, "note": "n"}, SerializationContext("orders", MessageField.VALUE))
    assert requests.get(url + "/subjects/orders-contract/versions").json() == [1, 2]
    latest = requests.get(url + "/subjects/orders-contract/versions/latest").json()
    assert int.from_bytes(data[1:5], "big") == latest["id"]
    des = AvroDeserializer(SchemaRegistryClient({"url": url}), conf={"use.latest.version": True})
    assert des(data, SerializationContext("orders", MessageField.VALUE)) == {"id": 7, "note": "n"}

    # No association: the topic name strategy.
    AvroSerializer(client, v1)({"id": 1}, SerializationContext("payments", MessageField.VALUE))
    assert requests.get(url + "/subjects").json() == ["orders-contract", "payments-value"]

    client.delete_associations("orders-id", "topic", ["value"], True)
    assert client.get_associations_by_resource_name("orders", "-", "topic", ["value"]) == []
    assert requests.get(url + "/subjects/orders-contract/versions").json() == [1, 2]  # WEAK: kept
