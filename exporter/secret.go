package exporter

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"strings"
)

// encoder encrypts the passwords of exporter configs with
// password.encoder.secret (AES-256-GCM, the key the secret's SHA-256), so
// that the config log holds no destination credential in the clear.
type encoder struct{ aead cipher.AEAD }

// encryptedPrefix marks a stored value that is encrypted.
const encryptedPrefix = "encrypted:"

func newEncoder(secret string) *encoder {
	key := sha256.Sum256([]byte(secret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &encoder{aead: aead}
}

// sensitive reports whether a config property holds a credential.
func sensitive(key string) bool {
	k := strings.ToLower(key)
	return strings.Contains(k, "password") || strings.Contains(k, "secret") ||
		strings.HasSuffix(k, "user.info") || strings.HasSuffix(k, "auth.token")
}

// encryptAll returns config with its credentials encrypted; a nil encoder
// returns a copy as is.
func (c *encoder) encryptAll(config map[string]string) map[string]string {
	out := maps.Clone(config)
	if c == nil {
		return out
	}
	for k, v := range out {
		if sensitive(k) && !strings.HasPrefix(v, encryptedPrefix) {
			nonce := make([]byte, c.aead.NonceSize())
			if _, err := rand.Read(nonce); err != nil {
				panic(err) // crypto/rand does not fail
			}
			out[k] = encryptedPrefix + base64.StdEncoding.EncodeToString(c.aead.Seal(nonce, nonce, []byte(v), []byte(k)))
		}
	}
	return out
}

// decryptAll returns config with its credentials decrypted; a value that
// cannot be (no secret, or another one) stays as stored.
func (c *encoder) decryptAll(config map[string]string) map[string]string {
	out := maps.Clone(config)
	if c == nil {
		return out
	}
	for k, v := range out {
		enc, ok := strings.CutPrefix(v, encryptedPrefix)
		if !ok {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil || len(raw) < c.aead.NonceSize() {
			continue
		}
		plain, err := c.aead.Open(nil, raw[:c.aead.NonceSize()], raw[c.aead.NonceSize():], []byte(k))
		if err == nil {
			out[k] = string(plain)
		}
	}
	return out
}
