package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/internal/javaprops"
	"github.com/schemaregistry/registry/store"
)

// programName is the name used in usage and error messages.
const programName = "schema-registry"

// envPrefix starts every environment variable that overrides a property.
const envPrefix = "SCHEMA_REGISTRY_"

// errHelp is returned by loadConfig when -h or --help was given; the caller
// prints writeUsage and exits 0.
var errHelp = errors.New("help requested")

// Listener is one address the HTTP server listens on, from the listeners
// property.
type Listener struct {
	Scheme string // "http" or "https", lower case
	Host   string // without brackets for IPv6; "" means all interfaces
	Port   int    // 0..65535; 0 binds a free port, logged at start
}

// Addr returns host:port in the form net.Listen expects: ":port" when Host is
// empty, IPv6 hosts in brackets.
func (l Listener) Addr() string {
	return net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
}

// Config is the validated start-up configuration.
type Config struct {
	Listeners          []Listener
	HostName           string // name this node advertises
	HostPort           int    // port this node advertises
	CompatibilityLevel compat.Level
	ModeMutability     bool
	DataDir            string
	// Page sizes of the lists: /schemas and referencedby, the subject
	// lists, the version lists, the context list.
	SchemaSearch, SubjectSearch, VersionSearch, ContextSearch store.Limits
	ValidateNewSchemas                                        bool
	ValidateFields                                            bool
	RejectEmptySubject                                        bool
	GroupID                                                   string
	LogLevel                                                  string // debug, info, warn or error
	LogFormat                                                 string // text or json
	RequestMaxBytes                                           int64

	RequestHeaderTimeout time.Duration
	RequestReadTimeout   time.Duration // 0: none
	ShutdownTimeout      time.Duration
	SchemaMaxBytes       int
	SchemaMaxDepth       int
	// ParsedCacheSize and ParsedCacheMaxBytes are schema.cache.size and
	// schema.cache.max.bytes: the stored schemas held parsed, in number
	// and in estimated bytes.
	ParsedCacheSize     int
	ParsedCacheMaxBytes int64

	TLS  TLSProperties  // ssl.*
	Auth AuthProperties // authentication.*, authorization.*
	// DekTopic and DekMaxKeys are dek.registry.topic and .max.keys.
	DekEnable bool
	// AssociationsEnable serves the association routes
	// (associations.enable).
	AssociationsEnable bool
	DekTopic           string
	DekMaxKeys         int
	// UIEnable and UIPath are ui.enable and ui.path: whether the web
	// console is served, and where.
	UIEnable bool
	UIPath   string
	// Exporters: exporters.enable, exporter.config.topic,
	// exporter.state.topic and password.encoder.secret (Schema Linking).
	ExportersEnable     bool
	ExporterConfigTopic string
	ExporterStateTopic  string
	PasswordSecret      string

	// Raw holds every property that was set, by its property name, with
	// the value as written (after properties-file unescaping): those from
	// the file and those from SCHEMA_REGISTRY_* environment variables that
	// map to a known or reserved property, the environment winning.
	// Unknown file properties are included too; defaults are not, so a
	// missing key means "not set".
	Raw map[string]string
}

// property is one row of the property table, which drives parsing, the
// environment overrides and --help.
type property struct {
	Name    string
	Default string
	Doc     string
	// shownDefault, when not empty, replaces Default in --help output for
	// defaults that are computed at start-up.
	shownDefault string
	set          func(*Config, string) error
}

const defaultListeners = "http://0.0.0.0:8081"

// compatibilityLevels names the levels as the properties spell them.
func compatibilityLevels() string {
	names := make([]string, len(compat.Levels))
	for i, l := range compat.Levels {
		names[i] = strings.ToLower(l.String())
	}
	return strings.Join(names, ", ")
}

// parseLevel reads a compatibility level property.
func parseLevel(v string) (compat.Level, error) {
	l, err := compat.ParseLevel(v)
	if err != nil {
		return "", fmt.Errorf("must be one of %s", compatibilityLevels())
	}
	return l, nil
}

// properties is the table of known properties. A later row may depend on an
// earlier one: avro.compatibility.level comes after schema.compatibility.level
// so that it wins when set.
var properties = []property{
	{
		Name:    "listeners",
		Default: defaultListeners,
		Doc:     "Comma-separated URLs to listen on: http or https, a host (empty for all interfaces) and a port (0: a free one, logged at start).",
		set: func(c *Config, v string) error {
			ls, err := parseListeners(v)
			c.Listeners = ls
			return err
		},
	},
	{
		Name:         "host.name",
		Default:      "",
		shownDefault: "this machine's host name",
		Doc:          "Host name this node advertises to clients and other instances.",
		set: func(c *Config, v string) error {
			c.HostName = strings.TrimSpace(v)
			return nil
		},
	},
	{
		Name:         "host.port",
		Default:      "",
		shownDefault: "port of the first listener (as bound, when it is 0)",
		Doc:          "Port this node advertises to clients and other instances.",
		set: func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				c.HostPort = 0
				return nil
			}
			n, err := parseInt(v, 1, 65535)
			c.HostPort = int(n)
			return err
		},
	},
	{
		Name:    "schema.compatibility.level",
		Default: strings.ToLower(compat.DefaultLevel.String()),
		Doc:     "Default compatibility level: " + compatibilityLevels() + ".",
		set: func(c *Config, v string) error {
			l, err := parseLevel(v)
			c.CompatibilityLevel = l
			return err
		},
	},
	{
		Name:         "avro.compatibility.level",
		Default:      "",
		shownDefault: "not set",
		Doc:          "Deprecated name of schema.compatibility.level; overrides it when set.",
		set: func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				return nil
			}
			l, err := parseLevel(v)
			if err == nil {
				c.CompatibilityLevel = l
			}
			return err
		},
	},
	{
		Name:    "mode.mutability",
		Default: "true",
		Doc:     "Whether the mode (READWRITE, READONLY, IMPORT) may be changed through the API.",
		set: func(c *Config, v string) (err error) {
			c.ModeMutability, err = javaprops.ParseBool(v)
			return err
		},
	},
	{
		Name:    "data.dir",
		Default: "./data",
		Doc:     "Directory of the embedded log that stores schemas.",
		set: func(c *Config, v string) error {
			c.DataDir = strings.TrimSpace(v)
			if c.DataDir == "" {
				return errors.New("must not be empty")
			}
			return nil
		},
	},
	{
		Name:    "schema.validate.new.schemas",
		Default: "true",
		Doc:     "Whether new schemas are validated before they are registered.",
		set: func(c *Config, v string) (err error) {
			c.ValidateNewSchemas, err = javaprops.ParseBool(v)
			return err
		},
	},
	{
		Name:    "schema.validate.fields",
		Default: "false",
		Doc:     "Whether field names and defaults are validated when registering schemas.",
		set: func(c *Config, v string) (err error) {
			c.ValidateFields, err = javaprops.ParseBool(v)
			return err
		},
	},
	{
		Name:    "schema.reject.empty.subject",
		Default: "false",
		Doc:     "Whether registering under an empty subject name is rejected.",
		set: func(c *Config, v string) (err error) {
			c.RejectEmptySubject, err = javaprops.ParseBool(v)
			return err
		},
	},
	{
		Name:    "schema.registry.group.id",
		Default: "schema-registry",
		Doc:     "Group of registry instances that share one schema store.",
		set: func(c *Config, v string) error {
			c.GroupID = strings.TrimSpace(v)
			if c.GroupID == "" {
				return errors.New("must not be empty")
			}
			return nil
		},
	},
	{
		Name:    "log.level",
		Default: "info",
		Doc:     "Minimum level of log messages: debug, info, warn or error.",
		set: func(c *Config, v string) (err error) {
			c.LogLevel, err = oneOf(v, "debug", "info", "warn", "error")
			return err
		},
	},
	{
		Name:    "log.format",
		Default: "text",
		Doc:     "Log output format: text or json.",
		set: func(c *Config, v string) (err error) {
			c.LogFormat, err = oneOf(v, "text", "json")
			return err
		},
	},
	{
		Name:    "request.max.bytes",
		Default: "4194304",
		Doc:     "Maximum size in bytes of a request body; larger ones get 413.",
		set: func(c *Config, v string) (err error) {
			c.RequestMaxBytes, err = parseInt(v, 1, math.MaxInt64)
			return err
		},
	},
	{
		Name:    "request.header.timeout.ms",
		Default: "10000",
		Doc:     "Time allowed to read a request's headers (and the TLS handshake) after the connection is accepted.",
		set: func(c *Config, v string) (err error) {
			c.RequestHeaderTimeout, err = parseMillis(v, 1)
			return err
		},
	},
	{
		Name:    "request.read.timeout.ms",
		Default: "60000",
		Doc:     "Time allowed to read a whole request, body included; 0 for no limit.",
		set: func(c *Config, v string) (err error) {
			c.RequestReadTimeout, err = parseMillis(v, 0)
			return err
		},
	},
	{
		Name:    "shutdown.timeout.ms",
		Default: "30000",
		Doc:     "On SIGTERM or SIGINT, time given to requests in flight to finish before the process exits.",
		set: func(c *Config, v string) (err error) {
			c.ShutdownTimeout, err = parseMillis(v, 0)
			return err
		},
	},
	{
		Name:    "schema.max.bytes",
		Default: "1048576",
		Doc:     "Maximum size in bytes of a schema text in a request; larger ones get 42201 before they are parsed.",
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1, math.MaxInt32)
			c.SchemaMaxBytes = int(n)
			return err
		},
	},
	{
		Name:    "schema.max.depth",
		Default: "128",
		Doc:     "Maximum nesting of brackets in a schema text (42201 beyond) and in a JSON request body (422 beyond), checked before parsing.",
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1, 100_000)
			c.SchemaMaxDepth = int(n)
			return err
		},
	},
	{
		Name:    "schema.cache.size",
		Default: strconv.Itoa(store.DefaultMaxParsedSchemas),
		Doc:     "Stored schemas held parsed for compatibility checks (and the other reads that need a parse): those not used lately are dropped and parsed again when needed (Confluent's property; its cache also holds the parses of requests, which are 2000 more here).",
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1, math.MaxInt32)
			c.ParsedCacheSize = int(n)
			return err
		},
	},
	{
		Name:    "schema.cache.max.bytes",
		Default: strconv.Itoa(store.DefaultMaxParsedBytes),
		Doc:     "Estimated memory of the stored schemas held parsed (from their texts: about 1 KiB per record, field or nested type); fewer than schema.cache.size are held when they would take more.",
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1, math.MaxInt64)
			c.ParsedCacheMaxBytes = n
			return err
		},
	},
	{
		Name:    "ssl.certificate.location",
		Default: "",
		Doc:     "PEM file of the certificate (chain) that https listeners serve; reloaded when it changes.",
		set:     func(c *Config, v string) error { c.TLS.CertificateLocation = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "ssl.key.location",
		Default: "",
		Doc:     "PEM file of the private key of ssl.certificate.location (unencrypted).",
		set:     func(c *Config, v string) error { c.TLS.KeyLocation = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "ssl.keystore.location",
		Default: "",
		Doc:     "Keystore holding the certificate and key, instead of the two PEM files; reloaded when it changes.",
		set:     func(c *Config, v string) error { c.TLS.KeyStoreLocation = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "ssl.keystore.password",
		Default: "",
		Doc:     "Password of ssl.keystore.location (and of its key).",
		set:     func(c *Config, v string) error { c.TLS.KeyStorePassword = v; return nil },
	},
	{
		Name:    "ssl.keystore.type",
		Default: "PKCS12",
		Doc:     "Type of ssl.keystore.location: PKCS12, or PEM (certificate chain and key in one file). JKS is refused with the keytool command that converts it.",
		set: func(c *Config, v string) (err error) {
			c.TLS.KeyStoreType, err = storeType(v)
			return err
		},
	},
	{
		Name:    "ssl.ca.location",
		Default: "",
		Doc:     "PEM file of the CA certificates that client certificates must chain to (and that the primary's certificate must chain to when forwarding).",
		set:     func(c *Config, v string) error { c.TLS.CALocation = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "ssl.truststore.location",
		Default: "",
		Doc:     "The same CA certificates as a truststore, instead of ssl.ca.location.",
		set:     func(c *Config, v string) error { c.TLS.TrustStoreLocation = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "ssl.truststore.password",
		Default: "",
		Doc:     "Password of ssl.truststore.location.",
		set:     func(c *Config, v string) error { c.TLS.TrustStorePassword = v; return nil },
	},
	{
		Name:    "ssl.truststore.type",
		Default: "PKCS12",
		Doc:     "Type of ssl.truststore.location: PKCS12 or PEM.",
		set: func(c *Config, v string) (err error) {
			c.TLS.TrustStoreType, err = storeType(v)
			return err
		},
	},
	{
		Name:    "ssl.client.authentication",
		Default: "NONE",
		Doc:     "Client certificates on https listeners: NONE, REQUESTED (checked when sent) or REQUIRED. The legacy ssl.client.auth=true means REQUIRED.",
		set: func(c *Config, v string) (err error) {
			c.TLS.ClientAuthentication, err = oneOf(v, "none", "requested", "required")
			c.TLS.ClientAuthentication = strings.ToUpper(c.TLS.ClientAuthentication)
			return err
		},
	},
	{
		Name:    "ssl.enabled.protocols",
		Default: "TLSv1.2,TLSv1.3",
		Doc:     "TLS versions the https listeners accept: TLSv1.2 and/or TLSv1.3.",
		set: func(c *Config, v string) (err error) {
			c.TLS.MinVersion, c.TLS.MaxVersion, err = tlsVersions(v)
			return err
		},
	},
	{
		Name:    "ssl.endpoint.identification.algorithm",
		Default: "https",
		Doc:     "https checks the primary's host name when a follower forwards a write over https; empty turns the check off (the chain is still checked).",
		set: func(c *Config, v string) error {
			s := strings.ToLower(strings.TrimSpace(v))
			if s != "" && s != "https" {
				return errors.New("must be https or empty")
			}
			c.TLS.VerifyHost = s == "https"
			return nil
		},
	},
	{
		Name:    "ssl.reload.interval.ms",
		Default: "5000",
		Doc:     "How often, at most, the certificate files are looked at again (on a new connection); 0 never.",
		set: func(c *Config, v string) (err error) {
			c.TLS.ReloadInterval, err = parseMillis(v, 0)
			return err
		},
	},
	{
		Name:    "associations.enable",
		Default: "true",
		Doc:     "Serve the association routes (/associations...: topics bound to subjects); false answers them 404, which serializers read as no association. Stored associations still guard their subjects.",
		set: func(c *Config, v string) (err error) {
			c.AssociationsEnable, err = javaprops.ParseBool(v)
			return err
		},
	},
	{
		Name:    "ui.enable",
		Default: "true",
		Doc:     "Serve the web console (browse, diff, check and edit through the REST API with the caller's own credentials and roles) at ui.path; false answers its paths 404.",
		set: func(c *Config, v string) (err error) {
			c.UIEnable, err = javaprops.ParseBool(v)
			return err
		},
	},
	{
		Name:    "ui.path",
		Default: "/ui",
		Doc:     "Where the web console is served: a path starting with / (letters, digits, '-', '_', '.', '/'), not one of the REST API's.",
		set: func(c *Config, v string) (err error) {
			c.UIPath, err = consolePath(v)
			return err
		},
	},
	{
		Name:    "dek.registry.enable",
		Default: "true",
		Doc:     "Serve the DEK registry of client-side field-level encryption (/dek-registry/v1/keks); false answers its routes 404, as Confluent without its extension.",
		set: func(c *Config, v string) (err error) {
			c.DekEnable, err = javaprops.ParseBool(v)
			return err
		},
	},
	{
		Name:    "dek.registry.topic",
		Default: "_dek_registry_keys",
		Doc:     "Kafka topic of the DEK registry's keys (/dek-registry/v1/keks), Confluent's; in embedded mode the keys are in data/dek-registry.",
		set:     func(c *Config, v string) error { c.DekTopic = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "dek.registry.max.keys",
		Default: "10000",
		Doc:     "KEKs, and DEKs, the DEK registry holds at most (40972 beyond).",
		set: func(c *Config, v string) (err error) {
			n, err := parseInt(v, 1, 1<<30)
			c.DekMaxKeys = int(n)
			return err
		},
	},
	{
		Name:    "exporters.enable",
		Default: "true",
		Doc:     "Serve Schema Linking's exporters (/exporters) and run them on the primary; false answers their routes 404.",
		set: func(c *Config, v string) (err error) {
			c.ExportersEnable, err = javaprops.ParseBool(v)
			return err
		},
	},
	{
		Name:    "exporter.config.topic",
		Default: "_exporter_configs",
		Doc:     "Kafka topic of the exporters' definitions, Confluent's; in embedded mode they are in data/exporter-configs.",
		set:     func(c *Config, v string) error { c.ExporterConfigTopic = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "exporter.state.topic",
		Default: "_exporter_states",
		Doc:     "Kafka topic of the exporters' states and positions, Confluent's; in embedded mode they are in data/exporter-states.",
		set:     func(c *Config, v string) error { c.ExporterStateTopic = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "password.encoder.secret",
		Default: "",
		Doc:     "When set, the passwords and tokens of exporter configs are stored encrypted with it (AES-256-GCM); every node needs the same.",
		set:     func(c *Config, v string) error { c.PasswordSecret = v; return nil },
	},
	{
		Name:    "authentication.method",
		Default: "NONE",
		Doc:     "NONE; BASIC: HTTP Basic against authentication.users.file; BEARER: OAuth bearer tokens (JWTs) checked against oauthbearer.jwks.endpoint.url; BASIC,BEARER for both.",
		set: func(c *Config, v string) error {
			c.Auth.Basic, c.Auth.Bearer = false, false
			for _, m := range strings.Split(v, ",") {
				s, err := oneOf(m, "none", "basic", "bearer")
				if err != nil {
					return err
				}
				switch s {
				case "basic":
					c.Auth.Basic = true
				case "bearer":
					c.Auth.Bearer = true
				}
			}
			return nil
		},
	},
	{
		Name:         "rest.servlet.initializor.classes",
		Default:      "",
		shownDefault: "none",
		Doc:          "Confluent Platform's way of turning on OAuth: a list holding io.confluent.common.security.jetty.initializer.AuthenticationHandler turns on BEARER authentication; other classes are ignored.",
		set: func(c *Config, v string) error {
			if strings.Contains(v, "AuthenticationHandler") {
				c.Auth.BearerByInitializer = true
			}
			return nil
		},
	},
	{
		Name:    "oauthbearer.jwks.endpoint.url",
		Default: "",
		Doc:     "Where the keys of bearer tokens are: an http(s) URL of a JWKS (fetched at start, refreshed), or a JWKS file (file:/path or a path).",
		set:     func(c *Config, v string) error { c.Auth.OAuth.JWKSURL = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "oauthbearer.jwks.endpoint.refresh.ms",
		Default: "3600000",
		Doc:     "How often the JWKS URL is fetched again.",
		set: func(c *Config, v string) (err error) {
			c.Auth.OAuth.RefreshInterval, err = parseMillis(v, 1000)
			return err
		},
	},
	{
		Name:    "oauthbearer.jwks.unknown.kid.refresh.ms",
		Default: "10000",
		Doc:     "A token naming a key the JWKS lacks makes it fetch the JWKS again, at most this often.",
		set: func(c *Config, v string) (err error) {
			c.Auth.OAuth.UnknownKIDInterval, err = parseMillis(v, 1)
			return err
		},
	},
	{
		Name:         "oauthbearer.expected.issuer",
		Default:      "",
		shownDefault: "any",
		Doc:          "The iss a bearer token must have.",
		set:          func(c *Config, v string) error { c.Auth.OAuth.Issuer = strings.TrimSpace(v); return nil },
	},
	{
		Name:         "oauthbearer.expected.audience",
		Default:      "",
		shownDefault: "any",
		Doc:          "Comma-separated audiences: a bearer token's aud must name one.",
		set:          func(c *Config, v string) error { c.Auth.OAuth.Audiences = roleList(v); return nil },
	},
	{
		Name:    "oauthbearer.sub.claim.name",
		Default: "sub",
		Doc:     "The claim naming the caller (the principal of roles, audit lines and rate limits).",
		set: func(c *Config, v string) error {
			c.Auth.OAuth.SubClaim = strings.Trim(strings.TrimSpace(v), `"`)
			return nil
		},
	},
	{
		Name:    "oauthbearer.groups.claim.name",
		Default: "groups",
		Doc:     "The claim holding the caller's roles: an array of strings, or names separated by spaces or commas (scope, roles, groups).",
		set: func(c *Config, v string) error {
			c.Auth.OAuth.GroupsClaim = strings.Trim(strings.TrimSpace(v), `"`)
			return nil
		},
	},
	{
		Name:    "oauthbearer.clock.skew.seconds",
		Default: "30",
		Doc:     "Clock skew allowed on a bearer token's exp, nbf and iat.",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return errors.New("want a number of seconds")
			}
			c.Auth.OAuth.ClockSkew = time.Duration(n) * time.Second
			if n == 0 {
				c.Auth.OAuth.ClockSkew = -1 // none
			}
			return nil
		},
	},
	{
		Name:    "authentication.realm",
		Default: "SchemaRegistry",
		Doc:     "Realm named in the WWW-Authenticate header of 401 answers.",
		set: func(c *Config, v string) error {
			c.Auth.Realm = strings.TrimSpace(v)
			if strings.ContainsAny(c.Auth.Realm, "\"\\") {
				return errors.New("must not contain quotes or backslashes")
			}
			return nil
		},
	},
	{
		Name:    "authentication.roles",
		Default: "*",
		Doc:     "Comma-separated roles admitted at all; * admits every authenticated user. Others get 403.",
		set:     func(c *Config, v string) error { c.Auth.Roles = roleList(v); return nil },
	},
	{
		Name:    "authentication.users.file",
		Default: "",
		Doc:     "Users of BASIC, one per line as for Jetty: name: password[,role ...], the password plain, MD5:<hex> or BCRYPT:<hash>; reloaded when it changes.",
		set:     func(c *Config, v string) error { c.Auth.UsersFile = strings.TrimSpace(v); return nil },
	},
	{
		Name:    "authentication.users.reload.interval.ms",
		Default: "5000",
		Doc:     "How often, at most, authentication.users.file is looked at again (on a request); 0 never.",
		set: func(c *Config, v string) (err error) {
			c.Auth.UsersReloadInterval, err = parseMillis(v, 0)
			return err
		},
	},
	{
		Name:         "authentication.certificate.roles",
		Default:      "",
		shownDefault: "client certificates are not principals",
		Doc:          "Makes a verified client certificate's subject CN a principal with roles: entries name: role[,role ...] separated by ';', name * for any certificate.",
		set: func(c *Config, v string) (err error) {
			c.Auth.CertificateRoles, err = certificateRoles(v)
			return err
		},
	},
	{
		Name:    "authorization.read.roles",
		Default: "",
		Doc:     "Comma-separated roles that may read (every GET, lookups, compatibility checks); * for every admitted user. With no authorization.*.roles set, every admitted user may do everything. authorization.read.subjects.<role>=pattern,... limits a read or write role to subjects: lists show only those, and an id is readable through any of them.",
		set:     func(c *Config, v string) error { c.Auth.ReadRoles = roleList(v); return nil },
	},
	{
		Name:    "authorization.write.roles",
		Default: "",
		Doc:     "Comma-separated roles that may also register new versions; authorization.write.subjects.<role>=pattern,... limits a role to subjects (* matches any characters).",
		set:     func(c *Config, v string) error { c.Auth.WriteRoles = roleList(v); return nil },
	},
	{
		Name:         "authorization.write.rate.per.second",
		Default:      "0",
		shownDefault: "no limit",
		Doc:          "Writes (registrations, config, mode, deletes) each principal may make per second, on average; beyond, 429. authorization.write.rate.burst is the burst.",
		set: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 {
				return errors.New("want a number of writes per second, 0 for no limit")
			}
			c.Auth.WriteRate = f
			return nil
		},
	},
	{
		Name:         "authorization.write.rate.burst",
		Default:      "0",
		shownDefault: "the rate, at least 1",
		Doc:          "Writes a principal may make at once before authorization.write.rate.per.second applies.",
		set: func(c *Config, v string) (err error) {
			n, err := parseInt(v, 0, 1<<30)
			c.Auth.WriteBurst = int(n)
			return err
		},
	},
	{
		Name:    "authorization.admin.roles",
		Default: "",
		Doc:     "Comma-separated roles that may also change config and mode, delete, register with an explicit id (IMPORT) and delete contexts.",
		set:     func(c *Config, v string) error { c.Auth.AdminRoles = roleList(v); return nil },
	},
}

// reservedPrefixes and reservedNames are properties that later work will
// read from Config.Raw; they are accepted without a warning.
var (
	reservedPrefixes = []string{
		"kafkastore.", "ssl.", "authentication.", "authorization.",
		"confluent.", "metrics.", "kafkagroup.", "leader.",
	}
	reservedNames = []string{
		"schema.registry.group.id", "leader.eligibility",
		"master.eligibility", "inter.instance.protocol",
		"schema.registry.inter.instance.protocol",
	}
)

// launcherEnv are SCHEMA_REGISTRY_* variables (without the prefix) that the
// Confluent start scripts and Docker images read for the JVM. They are not
// properties, so they are ignored without a warning.
var launcherEnv = map[string]bool{
	"OPTS": true, "HEAP_OPTS": true, "JVM_PERFORMANCE_OPTS": true,
	"JMX_OPTS": true, "LOG4J_OPTS": true, "LOG4J_ROOT_LOGLEVEL": true,
	"LOG4J_LOGGERS": true, "LOG_DIR": true, "VERSION": true,
}

// searchLimits are the page sizes of the lists, as Confluent names them
// (<prefix>.default.limit and <prefix>.max.limit) with its defaults.
var searchLimits = []struct {
	prefix, what string
	def          int
	limits       func(*Config) *store.Limits
}{
	{"schema.search", "/schemas and referencedby", 1000, func(c *Config) *store.Limits { return &c.SchemaSearch }},
	{"subject.search", "the subject lists", math.MaxInt32, func(c *Config) *store.Limits { return &c.SubjectSearch }},
	{"subject.version.search", "the version lists", math.MaxInt32, func(c *Config) *store.Limits { return &c.VersionSearch }},
	{"context.search", "the context list", math.MaxInt32, func(c *Config) *store.Limits { return &c.ContextSearch }},
}

func init() {
	for _, l := range searchLimits {
		limit := func(suffix, doc string, field func(*store.Limits) *int) property {
			return property{Name: l.prefix + suffix, Default: strconv.Itoa(l.def), Doc: doc,
				set: func(c *Config, v string) error {
					n, err := parseInt(v, 1, math.MaxInt32)
					*field(l.limits(c)) = int(n)
					return err
				}}
		}
		properties = append(properties,
			limit(".default.limit", "Page size of "+l.what+" when no limit, or one above the max, is asked.",
				func(lim *store.Limits) *int { return &lim.Default }),
			limit(".max.limit", "Largest page size of "+l.what+".", func(lim *store.Limits) *int { return &lim.Max }))
	}
}

func lookupProperty(name string) *property {
	for i := range properties {
		if properties[i].Name == name {
			return &properties[i]
		}
	}
	return nil
}

func isReserved(name string) bool {
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	for _, n := range reservedNames {
		if name == n {
			return true
		}
	}
	return false
}

// envName returns the environment variable that overrides property name:
// the prefix, then the name upper-cased with '.' and '-' replaced by '_'.
func envName(name string) string {
	return envPrefix + strings.Map(func(r rune) rune {
		if r == '.' || r == '-' {
			return '_'
		}
		return r
	}, strings.ToUpper(name))
}

// envToPropertyName turns the part of an environment variable name after the
// prefix into a property name the way Confluent's Docker images do: lower
// case, "_" becomes ".", "__" becomes "_", "___" becomes "-". It is used only
// for reserved properties not already named in the file.
func envToPropertyName(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '_' {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := 0
		for i < len(s) && s[i] == '_' {
			n++
			i++
		}
		if n == 1 {
			b.WriteByte('.')
			continue
		}
		b.WriteString(strings.Repeat("-", n/3))
		if n%3 != 0 {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// loadConfig reads args (without the program name), the environment
// (os.Environ() form) and the properties file named by args, warning through
// log about properties it does not know. It returns errHelp for -h/--help.
func loadConfig(args []string, environ []string, log *slog.Logger) (*Config, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	path, err := parseArgs(args)
	if err != nil {
		return nil, err
	}

	raw := map[string]string{}
	source := map[string]string{} // property -> where its value came from
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading properties file: %w", err)
		}
		entries, err := javaprops.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("properties file %s: %w", path, err)
		}
		for _, e := range entries {
			if _, dup := raw[e.Key]; !dup && lookupProperty(e.Key) == nil && !isReserved(e.Key) {
				warnUnknown(log, e.Key, fmt.Sprintf("%s line %d", path, e.Line))
			}
			raw[e.Key] = e.Value
			source[e.Key] = fmt.Sprintf("%s line %d", path, e.Line)
		}
	}

	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) {
			continue
		}
		suffix := name[len(envPrefix):]
		from := "environment variable " + name
		if p := lookupEnv(name); p != nil {
			raw[p.Name] = value
			source[p.Name] = from
			continue
		}
		// A property named in the file, e.g. kafkastore.bootstrap.servers
		// overridden by SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS.
		matched := false
		for key := range raw {
			if lookupProperty(key) == nil && envName(key) == name {
				raw[key] = value
				source[key] = from
				matched = true
			}
		}
		if matched {
			continue
		}
		if launcherEnv[suffix] {
			log.Debug("ignoring environment variable of the Java launcher", "variable", name)
			continue
		}
		if prop := envToPropertyName(suffix); isReserved(prop) {
			raw[prop] = value
			source[prop] = from
			continue
		}
		log.Warn("unknown environment variable ignored", "variable", name)
	}

	cfg := &Config{Raw: raw}
	var errs []error
	for i := range properties {
		p := &properties[i]
		v, ok := raw[p.Name]
		if !ok {
			v = p.Default
		}
		if err := p.set(cfg, v); err != nil {
			from := source[p.Name]
			if from == "" {
				from = "default"
			}
			errs = append(errs, fmt.Errorf("invalid value %q for property %s (%s): %w", v, p.Name, from, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, l := range searchLimits {
		lim := l.limits(cfg)
		if _, set := raw[l.prefix+".default.limit"]; !set && l.def == math.MaxInt32 && lim.Default > lim.Max {
			lim.Default = lim.Max // "no limit" by default: as many as the max allows
		}
		if lim.Default > lim.Max {
			return nil, fmt.Errorf("invalid value %d for property %s.default.limit: must not exceed %s.max.limit (%d)",
				lim.Default, l.prefix, l.prefix, lim.Max)
		}
	}
	if v, ok := raw["avro.compatibility.level"]; ok && strings.TrimSpace(v) != "" {
		log.Warn("property avro.compatibility.level is deprecated and overrides schema.compatibility.level; use schema.compatibility.level",
			"compatibility", cfg.CompatibilityLevel)
	}
	if cfg.HostName == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			log.Warn("cannot determine this machine's host name; advertising localhost; set host.name", "error", err)
			h = "localhost"
		}
		cfg.HostName = h
	}
	if cfg.HostPort == 0 {
		cfg.HostPort = cfg.Listeners[0].Port
	}
	return cfg, nil
}

func lookupEnv(name string) *property {
	for i := range properties {
		if envName(properties[i].Name) == name {
			return &properties[i]
		}
	}
	return nil
}

// warnUnknown logs an unknown file property. Values are never logged: they
// may be secrets.
func warnUnknown(log *slog.Logger, key, where string) {
	attrs := []any{"property", key, "at", where}
	if p := lookupProperty(strings.ToLower(key)); p != nil {
		attrs = append(attrs, "did_you_mean", p.Name)
	}
	log.Warn("unknown property ignored", attrs...)
}

// parseArgs returns the properties file named by args, or "" when none.
func parseArgs(args []string) (string, error) {
	var positional []string
	flags := true
	for _, a := range args {
		switch {
		case flags && a == "--":
			flags = false
		case flags && (a == "-h" || a == "-help" || a == "--help"):
			return "", errHelp
		case flags && len(a) > 1 && a[0] == '-':
			return "", fmt.Errorf("unknown flag %q (run %s --help for usage)", a, programName)
		default:
			positional = append(positional, a)
		}
	}
	switch len(positional) {
	case 0:
		return "", nil
	case 1:
		return positional[0], nil
	default:
		return "", fmt.Errorf("too many arguments %q: expected at most one properties file (run %s --help for usage)", positional, programName)
	}
}

// parseMillis reads a duration in milliseconds, at least lo.
func parseMillis(v string, lo int64) (time.Duration, error) {
	n, err := parseInt(v, lo, math.MaxInt64/int64(time.Millisecond))
	return time.Duration(n) * time.Millisecond, err
}

func parseInt(v string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("must be an integer from %d to %d", lo, hi)
	}
	return n, nil
}

// oneOf returns v trimmed and lower-cased if it is one of allowed
// (case-insensitive).
func oneOf(v string, allowed ...string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
}

// parseListeners parses the comma-separated listeners property. An empty
// value means the default, as in Confluent (which then falls back to port
// 8081).
func parseListeners(v string) ([]Listener, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		v = defaultListeners
	}
	var ls []Listener
	seen := map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, errors.New("empty entry in the comma-separated list")
		}
		l, err := parseListener(part)
		if err != nil {
			return nil, fmt.Errorf("listener %q: %w", part, err)
		}
		if l.Port != 0 && seen[l.Addr()] {
			return nil, fmt.Errorf("listener %q: address %s is listed twice", part, l.Addr())
		}
		seen[l.Addr()] = true
		ls = append(ls, l)
	}
	return ls, nil
}

const listenerForm = "must look like http://host:port or https://host:port (empty host for all interfaces)"

func parseListener(s string) (Listener, error) {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Listener{}, fmt.Errorf("%v; %s", err, listenerForm)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return Listener{}, fmt.Errorf("scheme must be http or https; %s", listenerForm)
	}
	if u.Opaque != "" || u.Host == "" {
		return Listener{}, errors.New(listenerForm)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return Listener{}, fmt.Errorf("must not have user info, a path, a query or a fragment; %s", listenerForm)
	}
	if u.Port() == "" {
		return Listener{}, fmt.Errorf("missing port; %s", listenerForm)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil || port < 0 || port > 65535 {
		return Listener{}, errors.New("port must be from 0 to 65535 (0: a free one)")
	}
	return Listener{Scheme: scheme, Host: u.Hostname(), Port: port}, nil
}

// writeUsage writes the usage text and the property table with defaults.
func writeUsage(w io.Writer) {
	fmt.Fprintf(w, `Usage: %[1]s [-h | --help] [registry.properties]

Runs the schema registry, a replacement for the Confluent Schema Registry.

The optional argument names a Java properties file. Every property can be
overridden by the environment variable %[2]s<NAME>, where NAME is the
property name upper-cased with '.' and '-' replaced by '_', for example
%[2]sLISTENERS. The environment wins over the file.

Options:
  -h, --help  print this help and exit

Properties:
`, programName, envPrefix)
	for _, p := range properties {
		def := p.shownDefault
		if def == "" {
			def = p.Default
		}
		fmt.Fprintf(w, "  %s (default: %s)\n        %s\n", p.Name, def, p.Doc)
	}
	fmt.Fprintf(w, `
Also read: authorization.write.subjects.<role> (comma-separated subject
patterns a write role is limited to), ssl.client.auth (legacy: true means
ssl.client.authentication=REQUIRED) and ssl.key.password (must equal
ssl.keystore.password). Accepted without a warning: leader.eligibility,
master.eligibility, inter.instance.protocol and properties whose names start
with %s.
`, strings.Join(reservedPrefixes, ", "))
}

// consolePath checks ui.path and returns it without a trailing slash.
func consolePath(v string) (string, error) {
	t := strings.TrimSpace(v)
	p := strings.TrimRight(t, "/")
	if !strings.HasPrefix(t, "/") || p == "" {
		return "", errors.New("must be a path starting with / other than / itself, e.g. /ui")
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r)) {
			return "", fmt.Errorf("may hold only letters, digits, '-', '_', '.' and '/', not %q", r)
		}
	}
	if strings.Contains(p+"/", "//") || strings.Contains(p+"/", "/./") || strings.Contains(p+"/", "/../") {
		return "", errors.New("must be a clean path (no empty, . or .. segment)")
	}
	if root, ok := api.APIRoot(p); ok {
		return "", fmt.Errorf("/%s is the REST API's", root)
	}
	return p, nil
}
