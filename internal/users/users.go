// Package users reads the users file of HTTP Basic authentication, in the
// format Confluent users keep for Jetty's PropertyFileLoginModule:
//
//	# name: password[,role ...]
//	alice: secret,reader
//	bob: MD5:5ebe2294ecd0e0f08eab7690d2a6ee69,writer
//	carol: BCRYPT:$2a$10$...,admin,writer
//
// A password is plain, "MD5:" and the hex MD5 digest, or "BCRYPT:" and a
// bcrypt hash. Jetty's "OBF:" (reversible obfuscation) and "CRYPT:" (Unix
// crypt) are refused when the file is read.
package users

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/schemaregistry/registry/internal/javaprops"
)

// Table is a parsed users file. Authenticate is safe for concurrent use.
type Table struct {
	users map[string]*user
	// dummy is checked for unknown users and after a failed plain or MD5
	// check, so that every failure costs the work of the slowest entry of
	// the file.
	dummy *user

	// Successful bcrypt checks are remembered (by a keyed digest of name
	// and password) so that a client sending the same credentials on every
	// request does not pay bcrypt each time.
	cacheKey [32]byte
	mu       sync.Mutex
	good     map[[32]byte]struct{}
}

type user struct {
	check func(password string) bool
	slow  bool // bcrypt: worth remembering a success
	roles []string
}

// maxRemembered bounds the cache of successful bcrypt checks.
const maxRemembered = 10_000

// Parse reads a users file. Errors name the line.
func Parse(data []byte) (*Table, error) {
	entries, err := javaprops.Parse(data)
	if err != nil {
		return nil, err
	}
	t := &Table{users: map[string]*user{}, good: map[[32]byte]struct{}{}}
	if _, err := rand.Read(t.cacheKey[:]); err != nil {
		return nil, err
	}
	maxCost := 0
	for _, e := range entries {
		if e.Key == "" {
			return nil, fmt.Errorf("line %d: empty user name", e.Line)
		}
		parts := strings.Split(e.Value, ",")
		password := strings.TrimSpace(parts[0])
		u, cost, err := verifier(password)
		if err != nil {
			return nil, fmt.Errorf("line %d (user %s): %w", e.Line, e.Key, err)
		}
		maxCost = max(maxCost, cost)
		for _, r := range parts[1:] {
			if r = strings.TrimSpace(r); r != "" {
				u.roles = append(u.roles, r)
			}
		}
		t.users[e.Key] = u
	}
	// The dummy costs what the most expensive entry costs.
	var secret [16]byte
	rand.Read(secret[:])
	if maxCost > 0 {
		h, err := bcrypt.GenerateFromPassword(secret[:], maxCost)
		if err != nil {
			return nil, err
		}
		t.dummy, _, _ = verifier("BCRYPT:" + string(h))
	} else {
		t.dummy, _, _ = verifier(hex.EncodeToString(secret[:]))
	}
	return t, nil
}

// verifier builds the check of one stored password; cost is the bcrypt
// cost, 0 for the fast schemes.
func verifier(stored string) (*user, int, error) {
	switch {
	case strings.HasPrefix(stored, "OBF:"), strings.HasPrefix(stored, "CRYPT:"):
		scheme, _, _ := strings.Cut(stored, ":")
		return nil, 0, fmt.Errorf("%s: passwords are not supported; use BCRYPT:, MD5: or a plain password", scheme)
	case strings.HasPrefix(stored, "MD5:"):
		want, err := hex.DecodeString(strings.TrimPrefix(stored, "MD5:"))
		if err != nil || len(want) != md5.Size {
			return nil, 0, errors.New("MD5: must be followed by the 32 hex digits of the password's MD5 digest")
		}
		return &user{check: func(p string) bool {
			got := md5.Sum([]byte(p))
			return subtle.ConstantTimeCompare(got[:], want) == 1
		}}, 0, nil
	case strings.HasPrefix(stored, "BCRYPT:"):
		hash := []byte(strings.TrimPrefix(stored, "BCRYPT:"))
		cost, err := bcrypt.Cost(hash)
		if err != nil {
			return nil, 0, fmt.Errorf("BCRYPT: must be followed by a bcrypt hash ($2a$, $2b$ or $2y$): %v", err)
		}
		return &user{slow: true, check: func(p string) bool {
			return bcrypt.CompareHashAndPassword(hash, []byte(p)) == nil
		}}, cost, nil
	}
	// Plain: digests are compared, so the time does not depend on where
	// the first difference is nor on the stored password's length.
	want := sha256.Sum256([]byte(stored))
	return &user{check: func(p string) bool {
		got := sha256.Sum256([]byte(p))
		return subtle.ConstantTimeCompare(got[:], want[:]) == 1
	}}, 0, nil
}

// Authenticate checks a name and password and returns the user's roles.
// A failure costs the same work whether the user is unknown, has a plain or
// MD5 password, or a bcrypt hash of the file's highest cost (keep one cost
// per file). A success of a bcrypt user is remembered: the next ones with
// the same password are fast.
func (t *Table) Authenticate(name, password string) (roles []string, ok bool) {
	u, known := t.users[name]
	if !known {
		t.dummy.check(password)
		return nil, false
	}
	var key [32]byte
	if u.slow {
		key = t.digest(name, password)
		t.mu.Lock()
		_, remembered := t.good[key]
		t.mu.Unlock()
		if remembered {
			return u.roles, true
		}
	}
	if !u.check(password) {
		if !u.slow {
			// A failure costs what an unknown user costs, whatever the
			// scheme of the user's password.
			t.dummy.check(password)
		}
		return nil, false
	}
	if u.slow {
		t.mu.Lock()
		if len(t.good) >= maxRemembered {
			clear(t.good)
		}
		t.good[key] = struct{}{}
		t.mu.Unlock()
	}
	return u.roles, true
}

func (t *Table) digest(name, password string) [32]byte {
	m := hmac.New(sha256.New, t.cacheKey[:])
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// Len is the number of users.
func (t *Table) Len() int { return len(t.users) }
