package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/internal/oauth"
	"github.com/schemaregistry/registry/store"
)

// writeProps writes content to a properties file in a temporary directory
// and returns its path.
func writeProps(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "registry.properties")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// captureLog returns a logger writing text records into the returned buffer.
func captureLog() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

// warnings returns the WARN lines of a captured log.
func warnings(buf *bytes.Buffer) []string {
	var out []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "level=WARN") {
			out = append(out, l)
		}
	}
	return out
}

func machineHostName(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}

// withNewDefaults sets the defaults of the timeouts, limits, ssl.* and
// authentication.* properties.
func withNewDefaults(c *Config) {
	c.RequestHeaderTimeout = 10 * time.Second
	c.RequestReadTimeout = time.Minute
	c.ShutdownTimeout = 30 * time.Second
	c.SchemaMaxBytes = 1 << 20
	c.SchemaMaxDepth = 128
	c.ParsedCacheSize, c.ParsedCacheMaxBytes = 10000, 128<<20
	c.DekEnable, c.DekTopic, c.DekMaxKeys = true, "_dek_registry_keys", 10000
	c.AssociationsEnable = true
	c.UIEnable, c.UIPath = true, "/ui"
	c.ExportersEnable, c.ExporterConfigTopic, c.ExporterStateTopic = true, "_exporter_configs", "_exporter_states"
	c.TLS = TLSProperties{KeyStoreType: "PKCS12", TrustStoreType: "PKCS12", ClientAuthentication: "NONE",
		MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13, VerifyHost: true, ReloadInterval: 5 * time.Second}
	c.Auth = AuthProperties{Realm: "SchemaRegistry", Roles: []string{"*"}, UsersReloadInterval: 5 * time.Second,
		OAuth: oauth.Settings{RefreshInterval: time.Hour, UnknownKIDInterval: 10 * time.Second, SubClaim: "sub", GroupsClaim: "groups", ClockSkew: 30 * time.Second}}
}

func TestLoadConfigDefaults(t *testing.T) {
	log, buf := captureLog()
	cfg, err := loadConfig(nil, []string{"PATH=/bin", "HOME=/root"}, log)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Listeners:          []Listener{{Scheme: "http", Host: "0.0.0.0", Port: 8081}},
		HostName:           machineHostName(t),
		HostPort:           8081,
		CompatibilityLevel: "BACKWARD",
		ModeMutability:     true,
		DataDir:            "./data",
		SchemaSearch:       store.Limits{Default: 1000, Max: 1000},
		SubjectSearch:      store.Limits{Default: math.MaxInt32, Max: math.MaxInt32},
		VersionSearch:      store.Limits{Default: math.MaxInt32, Max: math.MaxInt32},
		ContextSearch:      store.Limits{Default: math.MaxInt32, Max: math.MaxInt32},
		ValidateNewSchemas: true,
		ValidateFields:     false,
		RejectEmptySubject: false,
		GroupID:            "schema-registry",
		LogLevel:           "info",
		LogFormat:          "text",
		RequestMaxBytes:    4194304,
		Raw:                map[string]string{},
	}
	withNewDefaults(want)
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", cfg, want)
	}
	if w := warnings(buf); len(w) != 0 {
		t.Errorf("unexpected warnings: %q", w)
	}
}

func TestLoadConfigFileSyntax(t *testing.T) {
	path := writeProps(t, `# Confluent-style registry.properties
! another comment style

   listeners = http://0.0.0.0:9090,\
               https://[::1]:9443
host.name: registry-1.example.com
host.port   9999
schema.compatibility.level=FULL_transitive
mode.mutability FALSE
data.dir=/var/lib/registry\tdata
schema.search.default.limit : 50
schema.search.max.limit=\u0032\u0030\u0030
schema.validate.new.schemas=false
schema.validate.fields=TRUE
schema.reject.empty.subject=true
schema.registry.group.id=grp\u00e9
log.level=DEBUG
log.format=json
request.max.bytes=1048576
kafkastore.bootstrap.servers=PLAINTEXT://kafka:9092
ssl.keystore.password=s\=cret
odd\ key=x
`)
	log, buf := captureLog()
	cfg, err := loadConfig([]string{path}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Listeners: []Listener{
			{Scheme: "http", Host: "0.0.0.0", Port: 9090},
			{Scheme: "https", Host: "::1", Port: 9443},
		},
		HostName:           "registry-1.example.com",
		HostPort:           9999,
		CompatibilityLevel: "FULL_TRANSITIVE",
		ModeMutability:     false,
		DataDir:            "/var/lib/registry\tdata",
		SchemaSearch:       store.Limits{Default: 50, Max: 200},
		SubjectSearch:      store.Limits{Default: math.MaxInt32, Max: math.MaxInt32},
		VersionSearch:      store.Limits{Default: math.MaxInt32, Max: math.MaxInt32},
		ContextSearch:      store.Limits{Default: math.MaxInt32, Max: math.MaxInt32},
		ValidateNewSchemas: false,
		ValidateFields:     true,
		RejectEmptySubject: true,
		GroupID:            "grpé",
		LogLevel:           "debug",
		LogFormat:          "json",
		RequestMaxBytes:    1048576,
		Raw: map[string]string{
			"listeners":                    "http://0.0.0.0:9090,https://[::1]:9443",
			"host.name":                    "registry-1.example.com",
			"host.port":                    "9999",
			"schema.compatibility.level":   "FULL_transitive",
			"mode.mutability":              "FALSE",
			"data.dir":                     "/var/lib/registry\tdata",
			"schema.search.default.limit":  "50",
			"schema.search.max.limit":      "200",
			"schema.validate.new.schemas":  "false",
			"schema.validate.fields":       "TRUE",
			"schema.reject.empty.subject":  "true",
			"schema.registry.group.id":     "grpé",
			"log.level":                    "DEBUG",
			"log.format":                   "json",
			"request.max.bytes":            "1048576",
			"kafkastore.bootstrap.servers": "PLAINTEXT://kafka:9092",
			"ssl.keystore.password":        "s=cret",
			"odd key":                      "x",
		},
	}
	withNewDefaults(want)
	want.TLS.KeyStorePassword = "s=cret"
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config:\n got %+v\nwant %+v", cfg, want)
	}
	w := warnings(buf)
	if len(w) != 1 || !strings.Contains(w[0], `property="odd key"`) {
		t.Errorf("warnings = %q, want exactly one for \"odd key\"", w)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	path := writeProps(t, `listeners=http://:8081
schema.compatibility.level=none
mode.mutability=true
kafkastore.topic=_schemas
ssl.key-store.type=JKS
`)
	env := []string{
		"SCHEMA_REGISTRY_LISTENERS=http://127.0.0.1:7000, http://127.0.0.1:7001",
		"SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL=forward",
		"SCHEMA_REGISTRY_MODE_MUTABILITY=false",
		"SCHEMA_REGISTRY_HOST_NAME=from-env",
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC=_schemas_env",
		"SCHEMA_REGISTRY_SSL_KEY_STORE_TYPE=PKCS12",
		"SCHEMA_REGISTRY_REQUEST_MAX_BYTES=42",
		"OTHER_LISTENERS=http://:1",
	}
	cfg, err := loadConfig([]string{path}, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantListeners := []Listener{{"http", "127.0.0.1", 7000}, {"http", "127.0.0.1", 7001}}
	if !reflect.DeepEqual(cfg.Listeners, wantListeners) {
		t.Errorf("Listeners = %+v, want %+v", cfg.Listeners, wantListeners)
	}
	if cfg.HostPort != 7000 {
		t.Errorf("HostPort = %d, want 7000 (first listener)", cfg.HostPort)
	}
	if cfg.CompatibilityLevel != "FORWARD" || cfg.ModeMutability || cfg.HostName != "from-env" || cfg.RequestMaxBytes != 42 {
		t.Errorf("env did not win: %+v", cfg)
	}
	wantRaw := map[string]string{
		"listeners":                  "http://127.0.0.1:7000, http://127.0.0.1:7001",
		"schema.compatibility.level": "forward",
		"mode.mutability":            "false",
		"host.name":                  "from-env",
		"kafkastore.topic":           "_schemas_env",
		"ssl.key-store.type":         "PKCS12",
		"request.max.bytes":          "42",
	}
	if !reflect.DeepEqual(cfg.Raw, wantRaw) {
		t.Errorf("Raw = %q, want %q", cfg.Raw, wantRaw)
	}
}

func TestEnvWithoutFile(t *testing.T) {
	cfg, err := loadConfig(nil, []string{
		"SCHEMA_REGISTRY_DATA_DIR=/data",
		"SCHEMA_REGISTRY_HOST_PORT=443",
		"SCHEMA_REGISTRY_SCHEMA_REGISTRY_GROUP_ID=g2",
		"SCHEMA_REGISTRY_LOG_LEVEL=warn",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/data" || cfg.HostPort != 443 || cfg.GroupID != "g2" || cfg.LogLevel != "warn" {
		t.Errorf("config = %+v", cfg)
	}
	if cfg.Raw["schema.registry.group.id"] != "g2" {
		t.Errorf("Raw = %q", cfg.Raw)
	}
}

func TestAvroCompatibilityAlias(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  []string
		want compat.Level
		warn bool
	}{
		{"new name only", "schema.compatibility.level=full", nil, "FULL", false},
		{"alias only", "avro.compatibility.level=forward_transitive", nil, "FORWARD_TRANSITIVE", true},
		{"alias wins over new name", "schema.compatibility.level=full\navro.compatibility.level=none", nil, "NONE", true},
		{"alias in file wins over new name in env", "avro.compatibility.level=none",
			[]string{"SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL=full"}, "NONE", true},
		{"alias from env", "schema.compatibility.level=full",
			[]string{"SCHEMA_REGISTRY_AVRO_COMPATIBILITY_LEVEL=Backward_Transitive"}, "BACKWARD_TRANSITIVE", true},
		{"empty alias is unset", "schema.compatibility.level=full\navro.compatibility.level=", nil, "FULL", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := captureLog()
			cfg, err := loadConfig([]string{writeProps(t, tt.file)}, tt.env, log)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.CompatibilityLevel != tt.want {
				t.Errorf("CompatibilityLevel = %q, want %q", cfg.CompatibilityLevel, tt.want)
			}
			warned := strings.Contains(buf.String(), "deprecated")
			if warned != tt.warn {
				t.Errorf("deprecation warning = %v, want %v; log:\n%s", warned, tt.warn, buf)
			}
		})
	}
}

func TestBadValues(t *testing.T) {
	tests := []struct {
		prop, value, allowed string
	}{
		{"listeners", "0.0.0.0:8081", "http"},
		{"listeners", "localhost:8081", "http"},
		{"listeners", "ftp://host:21", "http or https"},
		{"listeners", "http://host", "missing port"},
		{"listeners", "http://host:", "missing port"},
		{"listeners", "http://host:99999", "0 to 65535"},
		{"listeners", "http://host:65536", "0 to 65535"},
		{"listeners", "http://host:port", "http://host:port"},
		{"listeners", "http://host:8081/path", "path"},
		{"listeners", "http://user@host:8081", "user info"},
		{"listeners", "http://a:1,", "empty entry"},
		{"listeners", "http://a:1,,http://b:2", "empty entry"},
		{"listeners", "http://a:1,https://a:1", "twice"},
		{"listeners", "http//a:1", "http"},
		{"host.port", "abc", "1 to 65535"},
		{"host.port", "0", "1 to 65535"},
		{"host.port", "70000", "1 to 65535"},
		{"schema.compatibility.level", "strict", "none, backward, forward, full, backward_transitive, forward_transitive, full_transitive"},
		{"schema.compatibility.level", "", "none, backward"},
		{"avro.compatibility.level", "sideways", "none, backward"},
		{"mode.mutability", "yes", "true or false"},
		{"mode.mutability", "", "true or false"},
		{"data.dir", "", "must not be empty"},
		{"schema.search.default.limit", "0", "1 to 2147483647"},
		{"schema.search.default.limit", "-5", "1 to 2147483647"},
		{"schema.search.default.limit", "ten", "1 to 2147483647"},
		{"schema.search.max.limit", "2147483648", "1 to 2147483647"},
		{"schema.search.max.limit", "1.5", "1 to 2147483647"},
		{"schema.validate.new.schemas", "1", "true or false"},
		{"schema.validate.fields", "on", "true or false"},
		{"schema.reject.empty.subject", "nope", "true or false"},
		{"schema.registry.group.id", "", "must not be empty"},
		{"log.level", "trace", "debug, info, warn, error"},
		{"log.format", "xml", "text, json"},
		{"request.max.bytes", "0", "1 to 9223372036854775807"},
		{"request.max.bytes", "16MB", "1 to 9223372036854775807"},
		{"request.header.timeout.ms", "0", "integer from 1"},
		{"request.read.timeout.ms", "-1", "integer from 0"},
		{"shutdown.timeout.ms", "soon", "integer from 0"},
		{"schema.max.bytes", "0", "1 to 2147483647"},
		{"schema.max.depth", "0", "1 to 100000"},
		{"schema.cache.size", "0", "1 to 2147483647"},
		{"schema.cache.max.bytes", "256MB", "1 to 9223372036854775807"},
		{"ssl.keystore.type", "JKS", "keytool -importkeystore"},
		{"ssl.truststore.type", "BCFKS", "PKCS12 or PEM"},
		{"ssl.client.authentication", "SOMETIMES", "none, requested, required"},
		{"ssl.enabled.protocols", "TLSv1.1", "TLSv1.2 and TLSv1.3 only"},
		{"ssl.enabled.protocols", "", "TLSv1.2 and/or TLSv1.3"},
		{"ssl.endpoint.identification.algorithm", "none", "https or empty"},
		{"ssl.reload.interval.ms", "-1", "integer from 0"},
		{"authentication.method", "KERBEROS", "none, basic, bearer"},
		{"authentication.method", "BASIC,DIGEST", "none, basic, bearer"},
		{"oauthbearer.clock.skew.seconds", "-1", "seconds"},
		{"authentication.certificate.roles", "cn-without-roles", "common-name: role"},
		{"authentication.users.reload.interval.ms", "x", "integer from 0"},
		{"ui.enable", "maybe", "true or false"},
		{"ui.path", "ui", "starting with /"},
		{"ui.path", "/", "other than / itself"},
		{"ui.path", "/a b", "letters, digits"},
		{"ui.path", "/a//b", "clean path"},
		{"ui.path", "/a/../b", "clean path"},
		{"ui.path", "/subjects", "/subjects is the REST API's"},
		{"ui.path", "/config/ui", "/config is the REST API's"},
	}
	for _, tt := range tests {
		t.Run(tt.prop+"="+tt.value, func(t *testing.T) {
			check := func(t *testing.T, err error, source string) {
				t.Helper()
				if err == nil {
					t.Fatalf("no error for %s=%q", tt.prop, tt.value)
				}
				msg := err.Error()
				for _, want := range []string{"property " + tt.prop + " ", `"` + tt.value + `"`, tt.allowed, source} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not contain %q", msg, want)
					}
				}
			}
			path := writeProps(t, tt.prop+"="+tt.value+"\n")
			_, err := loadConfig([]string{path}, nil, nil)
			check(t, err, "registry.properties line 1")

			env := envName(tt.prop)
			_, err = loadConfig(nil, []string{env + "=" + tt.value}, nil)
			check(t, err, "environment variable "+env)
		})
	}
}

func TestBadValueOverriddenByEnvIsFine(t *testing.T) {
	path := writeProps(t, "log.level=loud\n")
	cfg, err := loadConfig([]string{path}, []string{"SCHEMA_REGISTRY_LOG_LEVEL=error"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LogLevel != "error" {
		t.Errorf("LogLevel = %q", cfg.LogLevel)
	}
}

func TestAllBadValuesReported(t *testing.T) {
	path := writeProps(t, "log.level=loud\nlog.format=xml\n")
	_, err := loadConfig([]string{path}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "log.level") || !strings.Contains(err.Error(), "log.format") {
		t.Errorf("err = %v, want both properties named", err)
	}
}

func TestSearchDefaultLimitAboveMax(t *testing.T) {
	tests := []struct {
		file    string
		wantErr string // the property named, "" for none
	}{
		{"schema.search.default.limit=10\nschema.search.max.limit=10", ""},
		{"schema.search.default.limit=10\nschema.search.max.limit=20", ""},
		{"schema.search.default.limit=2000", "schema.search.default.limit"},
		{"schema.search.max.limit=999", "schema.search.default.limit"},
		{"subject.search.max.limit=100", ""}, // the default, no limit, follows the max down
		{"subject.search.default.limit=200\nsubject.search.max.limit=100", "subject.search.default.limit"},
		{"subject.version.search.default.limit=5\nsubject.version.search.max.limit=4", "subject.version.search.default.limit"},
		{"context.search.default.limit=5\ncontext.search.max.limit=5", ""},
	}
	for _, tt := range tests {
		cfg, err := loadConfig([]string{writeProps(t, tt.file)}, nil, nil)
		if (err != nil) != (tt.wantErr != "") {
			t.Errorf("%q: err = %v, want an error naming %q", tt.file, err, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%q: err %q does not name %s", tt.file, err, tt.wantErr)
		}
		if err == nil && strings.HasPrefix(tt.file, "context") && cfg.ContextSearch != (store.Limits{Default: 5, Max: 5}) {
			t.Errorf("%q: context limits %+v", tt.file, cfg.ContextSearch)
		}
	}
}

func TestListeners(t *testing.T) {
	tests := []struct {
		in   string
		want []Listener
		addr []string
	}{
		{"http://0.0.0.0:8081", []Listener{{"http", "0.0.0.0", 8081}}, []string{"0.0.0.0:8081"}},
		{"http://:8081", []Listener{{"http", "", 8081}}, []string{":8081"}},
		{"HTTPS://Example.com:443/", []Listener{{"https", "Example.com", 443}}, []string{"Example.com:443"}},
		{"http://[::]:80", []Listener{{"http", "::", 80}}, []string{"[::]:80"}},
		{" http://a:1 ,  https://b:65535 ", []Listener{{"http", "a", 1}, {"https", "b", 65535}}, []string{"a:1", "b:65535"}},
		{"", []Listener{{"http", "0.0.0.0", 8081}}, []string{"0.0.0.0:8081"}},
		// Port 0 binds a free port each: not the same address twice.
		{"http://127.0.0.1:0,https://127.0.0.1:0", []Listener{{"http", "127.0.0.1", 0}, {"https", "127.0.0.1", 0}}, []string{"127.0.0.1:0", "127.0.0.1:0"}},
	}
	for _, tt := range tests {
		cfg, err := loadConfig(nil, []string{"SCHEMA_REGISTRY_LISTENERS=" + tt.in}, nil)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(cfg.Listeners, tt.want) {
			t.Errorf("%q: Listeners = %+v, want %+v", tt.in, cfg.Listeners, tt.want)
		}
		for i, l := range cfg.Listeners {
			if got := l.Addr(); got != tt.addr[i] {
				t.Errorf("%q: Addr() = %q, want %q", tt.in, got, tt.addr[i])
			}
		}
		if cfg.HostPort != tt.want[0].Port {
			t.Errorf("%q: HostPort = %d, want %d", tt.in, cfg.HostPort, tt.want[0].Port)
		}
	}
}

func TestUnknownPropertiesWarn(t *testing.T) {
	path := writeProps(t, "listeners=http://:8081\nfoo.bar=secret-value\nListeners=x\nfoo.bar=again\n")
	log, buf := captureLog()
	cfg, err := loadConfig([]string{path}, []string{
		"SCHEMA_REGISTRY_NO_SUCH_THING=1",
		"SCHEMA_REGISTRY_PORT=tcp://10.0.0.1:8081",
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(warnings(buf), "\n")
	for _, want := range []string{
		"property=foo.bar", "registry.properties line 2",
		"property=Listeners", "did_you_mean=listeners",
		"variable=SCHEMA_REGISTRY_NO_SUCH_THING", "variable=SCHEMA_REGISTRY_PORT",
	} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings do not contain %q:\n%s", want, w)
		}
	}
	if n := strings.Count(w, "property=foo.bar"); n != 1 {
		t.Errorf("foo.bar warned %d times, want once", n)
	}
	if strings.Contains(buf.String(), "secret-value") || strings.Contains(buf.String(), "10.0.0.1") {
		t.Errorf("log contains a property value:\n%s", buf)
	}
	if cfg.Raw["foo.bar"] != "again" {
		t.Errorf("Raw[foo.bar] = %q, want the last value", cfg.Raw["foo.bar"])
	}
}

func TestReservedPropertiesDoNotWarn(t *testing.T) {
	path := writeProps(t, `kafkastore.bootstrap.servers=PLAINTEXT://k:9092
kafkastore.topic=_schemas
schema.registry.group.id=g
leader.eligibility=true
master.eligibility=false
inter.instance.protocol=http
ssl.keystore.location=/ks.jks
authentication.method=BASIC
authorization.roles=admin
confluent.license=abc
metrics.jmx.prefix=kafka.schema.registry
`)
	env := []string{
		"SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL=SSL",
		"SCHEMA_REGISTRY_KAFKASTORE_SASL_JAAS_CONFIG=x",
		"SCHEMA_REGISTRY_LEADER_ELIGIBILITY=false",
		"SCHEMA_REGISTRY_INTER_INSTANCE_PROTOCOL=https",
		"SCHEMA_REGISTRY_SSL_CLIENT_AUTH=true",
		"SCHEMA_REGISTRY_CONFLUENT_TOPIC__REPLICATION___FACTOR=1",
		"SCHEMA_REGISTRY_METRICS_NUM_SAMPLES=2",
		"SCHEMA_REGISTRY_AUTHENTICATION_REALM=r",
		"SCHEMA_REGISTRY_AUTHORIZATION_X=y",
		"SCHEMA_REGISTRY_HEAP_OPTS=-Xmx1g",
		"SCHEMA_REGISTRY_LOG4J_ROOT_LOGLEVEL=WARN",
	}
	log, buf := captureLog()
	cfg, err := loadConfig([]string{path}, env, log)
	if err != nil {
		t.Fatal(err)
	}
	if w := warnings(buf); len(w) != 0 {
		t.Errorf("unexpected warnings:\n%s", strings.Join(w, "\n"))
	}
	for key, want := range map[string]string{
		"kafkastore.bootstrap.servers":       "PLAINTEXT://k:9092",
		"kafkastore.security.protocol":       "SSL",
		"kafkastore.sasl.jaas.config":        "x",
		"leader.eligibility":                 "false",
		"master.eligibility":                 "false",
		"inter.instance.protocol":            "https",
		"ssl.client.auth":                    "true",
		"confluent.topic_replication-factor": "1",
		"metrics.num.samples":                "2",
		"metrics.jmx.prefix":                 "kafka.schema.registry",
		"authentication.realm":               "r",
		"authorization.x":                    "y",
	} {
		if got, ok := cfg.Raw[key]; !ok || got != want {
			t.Errorf("Raw[%q] = %q, %v; want %q", key, got, ok, want)
		}
	}
	if cfg.GroupID != "g" {
		t.Errorf("GroupID = %q", cfg.GroupID)
	}
	if _, ok := cfg.Raw["heap.opts"]; ok {
		t.Errorf("launcher variable stored in Raw: %q", cfg.Raw)
	}
}

func TestArgs(t *testing.T) {
	path := writeProps(t, "log.level=warn\n")
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" for success
		help    bool
	}{
		{"no args", nil, "", false},
		{"one file", []string{path}, "", false},
		{"file after --", []string{"--", path}, "", false},
		{"two positional", []string{path, path}, "too many arguments", false},
		{"unknown flag", []string{"--port=8081"}, `unknown flag "--port=8081"`, false},
		{"unknown short flag", []string{"-x", path}, `unknown flag "-x"`, false},
		{"long help", []string{"--help"}, "help requested", true},
		{"short help", []string{"-h"}, "help requested", true},
		{"help with file", []string{path, "--help"}, "help requested", true},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.properties")}, "nope.properties", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(tt.args, nil, nil)
			if tt.wantErr == "" {
				if err != nil || cfg == nil {
					t.Fatalf("cfg, err = %v, %v", cfg, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if errors.Is(err, errHelp) != tt.help {
				t.Errorf("errors.Is(err, errHelp) = %v, want %v", !tt.help, tt.help)
			}
		})
	}
}

func TestWriteUsage(t *testing.T) {
	var buf bytes.Buffer
	writeUsage(&buf)
	out := buf.String()
	for _, p := range properties {
		def := p.Default
		if p.shownDefault != "" {
			def = p.shownDefault
		}
		if want := p.Name + " (default: " + def + ")"; !strings.Contains(out, want) {
			t.Errorf("usage does not contain %q", want)
		}
		if !strings.Contains(out, p.Doc) {
			t.Errorf("usage does not contain the description of %s", p.Name)
		}
	}
	for _, want := range []string{"Usage: schema-registry", "--help", "SCHEMA_REGISTRY_", "(default: this machine's host name)", "kafkastore."} {
		if !strings.Contains(out, want) {
			t.Errorf("usage does not contain %q", want)
		}
	}
}

// TestPropertyTable checks that every default is valid, names are unique
// and every property has a description.
func TestPropertyTable(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range properties {
		if seen[p.Name] {
			t.Errorf("duplicate property %s", p.Name)
		}
		seen[p.Name] = true
		if p.Doc == "" || strings.Contains(p.Doc, "\n") {
			t.Errorf("%s: description must be one line", p.Name)
		}
		if err := p.set(&Config{}, p.Default); err != nil {
			t.Errorf("%s: default %q is invalid: %v", p.Name, p.Default, err)
		}
		// A row of the table may sit under a reserved prefix (ssl.,
		// authentication., ...): the table wins. Reserved names are
		// read elsewhere.
		if p.Name == "schema.registry.group.id" {
			continue
		}
		if slices.Contains(reservedNames, p.Name) {
			t.Errorf("%s is both known and reserved", p.Name)
		}
	}
}

func TestEnvNames(t *testing.T) {
	for prop, env := range map[string]string{
		"listeners":                  "SCHEMA_REGISTRY_LISTENERS",
		"schema.compatibility.level": "SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL",
		"a-b.c":                      "SCHEMA_REGISTRY_A_B_C",
	} {
		if got := envName(prop); got != env {
			t.Errorf("envName(%q) = %q, want %q", prop, got, env)
		}
	}
	for in, want := range map[string]string{
		"KAFKASTORE_BOOTSTRAP_SERVERS": "kafkastore.bootstrap.servers",
		"A__B":                         "a_b",
		"A___B":                        "a-b",
		"A____B":                       "a-_b",
	} {
		if got := envToPropertyName(in); got != want {
			t.Errorf("envToPropertyName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConsolePath: ui.path is kept without its trailing slash.
func TestConsolePath(t *testing.T) {
	for in, want := range map[string]string{"/ui": "/ui", "/ui/": "/ui", " /tools/registry-ui ": "/tools/registry-ui", "/console.v2": "/console.v2"} {
		cfg, err := loadConfig(nil, []string{"SCHEMA_REGISTRY_UI_PATH=" + in, "SCHEMA_REGISTRY_UI_ENABLE=false"}, nil)
		if err != nil {
			t.Errorf("ui.path=%q: %v", in, err)
			continue
		}
		if cfg.UIPath != want || cfg.UIEnable {
			t.Errorf("ui.path=%q: %q %v %v, want %q and off", in, cfg.UIPath, cfg.UIEnable, err, want)
		}
	}
}
