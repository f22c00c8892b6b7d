package interop

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestBearer: franz-go's sr client with a bearer token of the interop
// identity provider, against a registry that takes only bearer tokens.
func TestBearer(t *testing.T) {
	dir := t.TempDir()
	idpBin := filepath.Join(dir, "idp")
	build := exec.Command("go", "build", "-o", idpBin, "./test/interop/idp")
	build.Dir = rootDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the idp: %v\n%s", err, out)
	}
	idp := exec.Command(idpBin, "-token", "franz-app:writers,readers")
	stdout, _ := idp.StdoutPipe()
	if err := idp.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { idp.Process.Kill(); idp.Wait() }()
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 1<<20)
	var idpURL, token string
	if lines.Scan() {
		idpURL = strings.TrimSpace(lines.Text())
	}
	if lines.Scan() {
		token = strings.TrimSpace(lines.Text())
	}
	if idpURL == "" || token == "" {
		t.Fatal("the idp told no URL or token")
	}
	regDir := filepath.Join(dir, "registry")
	os.MkdirAll(regDir, 0o755)
	url, stop, err := startRegistry(regDir,
		"SCHEMA_REGISTRY_AUTHENTICATION_METHOD=BEARER",
		"SCHEMA_REGISTRY_OAUTHBEARER_JWKS_ENDPOINT_URL="+idpURL+"/jwks.json",
		"SCHEMA_REGISTRY_OAUTHBEARER_EXPECTED_ISSUER=https://idp.interop.test",
		"SCHEMA_REGISTRY_OAUTHBEARER_EXPECTED_AUDIENCE=schema-registry",
		"SCHEMA_REGISTRY_AUTHORIZATION_READ_ROLES=readers",
		"SCHEMA_REGISTRY_AUTHORIZATION_WRITE_ROLES=writers")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	ctx := context.Background()
	cl, err := sr.NewClient(sr.URLs(url), sr.BearerToken(token))
	if err != nil {
		t.Fatal(err)
	}
	created, err := cl.CreateSchema(ctx, "franz-oauth-value", sr.Schema{Schema: `{"type":"record","name":"F","fields":[{"name":"n","type":"long"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cl.SchemaByID(ctx, created.ID)
	if err != nil || !strings.Contains(got.Schema, `"name":"F"`) {
		t.Fatalf("schema %d by id: %+v %v", created.ID, got, err)
	}
	// Without a token, and with a forged one: 401.
	anon, _ := sr.NewClient(sr.URLs(url))
	_, err = anon.Subjects(ctx)
	var re *sr.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusUnauthorized || re.ErrorCode != 401 {
		t.Fatalf("without a token: %v", err)
	}
	forged, _ := sr.NewClient(sr.URLs(url), sr.BearerToken(token[:len(token)-4]+"AAAA"))
	if _, err = forged.Subjects(ctx); !errors.As(err, &re) || re.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a forged token: %v", err)
	}
}
