'use strict';
// Interop: @confluentinc/schemaregistry's serializers default to the
// associated name strategy; with the topic orders bound to the subject
// orders-contract they write and read under it, and a topic without an
// association falls back to the topic name strategy.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { SchemaRegistryClient, SerdeType, AvroSerializer, AvroDeserializer } = require('@confluentinc/schemaregistry');
const { startRegistry } = require('./registry');

let reg;
before(async () => { reg = await startRegistry(); });
after(async () => { if (reg) await reg.stop(); });

async function rest(method, path, body) {
  const res = await fetch(reg.url + path, {
    method, headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

test('the associated name strategy follows an association', async () => {
  const v1 = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] });
  const other = JSON.stringify({ type: 'record', name: 'Payment', fields: [{ name: 'id', type: 'long' }] });
  const contract = await rest('POST', '/subjects/orders-contract/versions', { schema: v1 });
  const payments = await rest('POST', '/subjects/payments-value/versions', { schema: other });
  await rest('POST', '/associations', {
    resourceName: 'orders', resourceNamespace: 'lkc-js', resourceId: 'orders-id',
    associations: [{ subject: 'orders-contract' }],
  });
  const client = new SchemaRegistryClient({ baseURLs: [reg.url], maxRetries: 0 });
  // No strategy configured: ASSOCIATED, falling back to the topic name.
  const ser = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
  const data = await ser.serialize('orders', { id: 7 });
  assert.equal(data.readUInt32BE(1), contract.id, 'the id of orders-contract');
  const des = new AvroDeserializer(new SchemaRegistryClient({ baseURLs: [reg.url], maxRetries: 0 }), SerdeType.VALUE, { useLatestVersion: true });
  assert.deepEqual(JSON.parse(JSON.stringify(await des.deserialize('orders', data))), { id: 7 });
  const fallback = await ser.serialize('payments', { id: 8 });
  assert.equal(fallback.readUInt32BE(1), payments.id, 'no association: payments-value');
  assert.deepEqual(await rest('GET', '/subjects'), ['orders-contract', 'payments-value']);
  await client.close();
});
