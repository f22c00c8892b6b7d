package users

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func bcryptOf(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestAuthenticate(t *testing.T) {
	md5Hex := func(s string) string { d := md5.Sum([]byte(s)); return hex.EncodeToString(d[:]) }
	file := fmt.Sprintf(`# Jetty users file
alice: alice-secret,reader
bob = MD5:%s, writer , reader
carol: BCRYPT:%s,admin
dave: plain-no-roles
erin: MD5:%s
`, md5Hex("bob-secret"), bcryptOf(t, "carol-secret"), strings.ToUpper(md5Hex("erin")))
	tab, err := Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, password string
		ok             bool
		roles          []string
	}{
		{"alice", "alice-secret", true, []string{"reader"}},
		{"alice", "alice-secreT", false, nil},
		{"alice", "", false, nil},
		{"bob", "bob-secret", true, []string{"writer", "reader"}},
		{"bob", "MD5:" + md5Hex("bob-secret"), false, nil}, // the stored digest is not a password
		{"carol", "carol-secret", true, []string{"admin"}},
		{"carol", "carol-secret", true, []string{"admin"}}, // remembered
		{"carol", "wrong", false, nil},
		{"dave", "plain-no-roles", true, nil},
		{"erin", "erin", true, nil}, // upper-case hex accepted
		{"mallory", "alice-secret", false, nil},
		{"", "", false, nil},
	}
	for _, tt := range tests {
		roles, ok := tab.Authenticate(tt.name, tt.password)
		if ok != tt.ok || !reflect.DeepEqual(roles, tt.roles) {
			t.Errorf("Authenticate(%q, %q) = %v, %v; want %v, %v", tt.name, tt.password, roles, ok, tt.roles, tt.ok)
		}
	}
	if tab.Len() != 5 {
		t.Errorf("Len = %d", tab.Len())
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"a: x\nb: OBF:1v2j1uum1xtv1zej1zer1xtn1uvk1v1v\n", "line 2 (user b): OBF: passwords are not supported"},
		{"a: CRYPT:adpexzg3FUZAk\n", "line 1 (user a): CRYPT: passwords are not supported"},
		{"\n\na: MD5:xyz\n", "line 3 (user a): MD5: must be followed by the 32 hex digits"},
		{"a: BCRYPT:nothash\n", "line 1 (user a): BCRYPT: must be followed by a bcrypt hash"},
		{": pw\n", "line 1: empty user name"},
		{"a=\\u12", `line 1: malformed \uXXXX`},
	} {
		_, err := Parse([]byte(tt.file))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q): err = %v, want it to contain %q", tt.file, err, tt.want)
		}
	}
}

// TestFailuresCostTheSame checks that in a file with bcrypt entries an
// unknown user and a wrong plain password cost a bcrypt check too: their
// answer takes as long as a wrong password of a bcrypt user.
// Every failure does the work of the file's slowest entry: the dummy is a
// bcrypt hash of the highest cost in the file, and it is checked for an
// unknown user and after a failed plain password. (Counted, not timed.)
func TestFailuresCostTheSame(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("pw"), 8)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Parse([]byte("carol: BCRYPT:" + string(h) + ",admin\nalice: plain,reader\n"))
	if err != nil {
		t.Fatal(err)
	}
	// The dummy rejects every password, at bcrypt cost 8.
	if tab.dummy.check("pw") || tab.dummy.check("") {
		t.Fatal("the dummy accepts a password")
	}
	checked := 0
	inner := tab.dummy.check
	tab.dummy.check = func(p string) bool { checked++; return inner(p) }
	for _, name := range []string{"mallory", "alice"} {
		checked = 0
		if _, ok := tab.Authenticate(name, "wrong"); ok {
			t.Fatalf("%s authenticated with a wrong password", name)
		}
		if checked != 1 {
			t.Errorf("a failure for %s checked the dummy %d times, want once", name, checked)
		}
	}
	// A bcrypt user's own check already costs as much: no dummy.
	checked = 0
	tab.Authenticate("carol", "wrong")
	if checked != 0 {
		t.Errorf("a bcrypt failure also checked the dummy")
	}
}
