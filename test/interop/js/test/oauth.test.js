'use strict';
// Interop: @confluentinc/schemaregistry with a static bearer token
// (STATIC_TOKEN) against a registry that takes only bearer tokens.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { SchemaRegistryClient, SerdeType, AvroSerializer, AvroDeserializer } = require('@confluentinc/schemaregistry');
const { startRegistry, startIdP } = require('./registry');

let idp;
let reg;
before(async () => {
  idp = await startIdP('js-app', ['writers']);
  reg = await startRegistry({
    AUTHENTICATION_METHOD: 'BEARER',
    OAUTHBEARER_JWKS_ENDPOINT_URL: idp.url + '/jwks.json',
    OAUTHBEARER_EXPECTED_ISSUER: 'https://idp.interop.test',
    OAUTHBEARER_EXPECTED_AUDIENCE: 'schema-registry',
    AUTHORIZATION_READ_ROLES: 'readers',
    AUTHORIZATION_WRITE_ROLES: 'writers',
  });
});
after(async () => {
  if (reg) await reg.stop();
  if (idp) await idp.stop();
});

test('avro round trip with a static bearer token', async () => {
  const client = new SchemaRegistryClient({
    baseURLs: [reg.url],
    maxRetries: 0,
    bearerAuthCredentials: {
      credentialsSource: 'STATIC_TOKEN', token: idp.token, logicalCluster: 'lsrc-interop', identityPoolId: 'pool-interop',
    },
  });
  const schema = '{"type":"record","name":"Js","fields":[{"name":"n","type":"int"}]}';
  const ser = new AvroSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: true });
  const data = await ser.serialize('oauth-js', { n: 3 }, undefined, undefined);
  assert.equal(data[0], 0);
  const des = new AvroDeserializer(client, SerdeType.VALUE, {});
  assert.deepEqual(JSON.parse(JSON.stringify(await des.deserialize('oauth-js', data))), { n: 3 });
  await client.close();

  // Without a token, and with a wrong one: 401 with the envelope.
  let r = await fetch(reg.url + '/subjects');
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error_code, 401);
  r = await fetch(reg.url + '/subjects', { headers: { Authorization: 'Bearer ' + idp.token.slice(0, -4) + 'AAAA' } });
  assert.equal(r.status, 401);
  assert.match(r.headers.get('www-authenticate'), /error="invalid_token"/);
});
