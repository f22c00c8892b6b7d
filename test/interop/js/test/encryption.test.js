'use strict';
// Interop: @confluentinc/schemaregistry's field-level encryption (an
// ENCRYPT rule on a PII tag, the local KMS driver) through this registry's
// DEK registry.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  SchemaRegistryClient, SerdeType, AvroSerializer, AvroDeserializer,
  FieldEncryptionExecutor, LocalKmsDriver, RuleMode,
} = require('@confluentinc/schemaregistry');
const { startRegistry } = require('./registry');

let reg;
before(async () => { reg = await startRegistry(); });
after(async () => { if (reg) await reg.stop(); });

test('avro field-level encryption with the local KMS', async () => {
  FieldEncryptionExecutor.register();
  LocalKmsDriver.register();
  const client = new SchemaRegistryClient({ baseURLs: [reg.url], maxRetries: 0 });
  const schema = JSON.stringify({
    type: 'record', name: 'Patient', fields: [
      { name: 'name', type: 'string' },
      { name: 'diagnosis', type: 'string', 'confluent:tags': ['PII'] },
    ],
  });
  await client.register('patients-value', {
    schemaType: 'AVRO', schema,
    ruleSet: {
      domainRules: [{
        name: 'encrypt-pii', kind: 'TRANSFORM', mode: RuleMode.WRITEREAD, type: 'ENCRYPT', tags: ['PII'],
        params: { 'encrypt.kek.name': 'kek-js', 'encrypt.kms.type': 'local-kms', 'encrypt.kms.key.id': 'mykey' },
        onFailure: 'ERROR,NONE',
      }],
    },
  });
  const conf = { useLatestVersion: true, ruleConfig: { secret: 'js-secret' } };
  const ser = new AvroSerializer(client, SerdeType.VALUE, conf);
  const data = await ser.serialize('patients', { name: 'Bob', diagnosis: 'flu' });
  assert.ok(!data.includes(Buffer.from('flu')), 'the field is encrypted');
  assert.ok(data.includes(Buffer.from('Bob')));
  const kek = await (await fetch(reg.url + '/dek-registry/v1/keks/kek-js')).json();
  assert.equal(kek.kmsType, 'local-kms');
  const dek = await (await fetch(reg.url + '/dek-registry/v1/keks/kek-js/deks/patients-value/versions/latest')).json();
  assert.equal(dek.subject, 'patients-value');
  assert.ok(dek.encryptedKeyMaterial);
  const des = new AvroDeserializer(new SchemaRegistryClient({ baseURLs: [reg.url], maxRetries: 0 }), SerdeType.VALUE, { ruleConfig: { secret: 'js-secret' } });
  assert.deepEqual(JSON.parse(JSON.stringify(await des.deserialize('patients', data))), { name: 'Bob', diagnosis: 'flu' });
  await client.close();
});
