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
	"unicode/utf16"
	"unicode/utf8"
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
	Port   int    // 1..65535
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
	CompatibilityLevel string // upper case, e.g. "BACKWARD"
	ModeMutability     bool
	DataDir            string
	SearchDefaultLimit int
	SearchMaxLimit     int
	ValidateNewSchemas bool
	ValidateFields     bool
	RejectEmptySubject bool
	GroupID            string
	LogLevel           string // debug, info, warn or error
	LogFormat          string // text or json
	RequestMaxBytes    int64

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

var compatibilityLevels = []string{
	"none", "backward", "backward_transitive", "forward",
	"forward_transitive", "full", "full_transitive",
}

// properties is the table of known properties. A later row may depend on an
// earlier one: avro.compatibility.level comes after schema.compatibility.level
// so that it wins when set.
var properties = []property{
	{
		Name:    "listeners",
		Default: defaultListeners,
		Doc:     "Comma-separated URLs to listen on: http or https, a host (empty for all interfaces) and a port.",
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
		shownDefault: "port of the first listener",
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
		Default: "backward",
		Doc:     "Default compatibility level: " + strings.Join(compatibilityLevels, ", ") + ".",
		set: func(c *Config, v string) error {
			s, err := oneOf(v, compatibilityLevels...)
			c.CompatibilityLevel = strings.ToUpper(s)
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
			s, err := oneOf(v, compatibilityLevels...)
			if err == nil {
				c.CompatibilityLevel = strings.ToUpper(s)
			}
			return err
		},
	},
	{
		Name:    "mode.mutability",
		Default: "true",
		Doc:     "Whether the mode (READWRITE, READONLY, IMPORT) may be changed through the API.",
		set: func(c *Config, v string) (err error) {
			c.ModeMutability, err = parseBool(v)
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
		Name:    "schema.search.default.limit",
		Default: "1000",
		Doc:     "Default number of results of a schema search; at most schema.search.max.limit.",
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1, math.MaxInt32)
			c.SearchDefaultLimit = int(n)
			return err
		},
	},
	{
		Name:    "schema.search.max.limit",
		Default: "1000",
		Doc:     "Maximum number of results of a schema search.",
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1, math.MaxInt32)
			c.SearchMaxLimit = int(n)
			return err
		},
	},
	{
		Name:    "schema.validate.new.schemas",
		Default: "true",
		Doc:     "Whether new schemas are validated before they are registered.",
		set: func(c *Config, v string) (err error) {
			c.ValidateNewSchemas, err = parseBool(v)
			return err
		},
	},
	{
		Name:    "schema.validate.fields",
		Default: "false",
		Doc:     "Whether field names and defaults are validated when registering schemas.",
		set: func(c *Config, v string) (err error) {
			c.ValidateFields, err = parseBool(v)
			return err
		},
	},
	{
		Name:    "schema.reject.empty.subject",
		Default: "false",
		Doc:     "Whether registering under an empty subject name is rejected.",
		set: func(c *Config, v string) (err error) {
			c.RejectEmptySubject, err = parseBool(v)
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
		Default: "16777216",
		Doc:     "Maximum size in bytes of a request body.",
		set: func(c *Config, v string) (err error) {
			c.RequestMaxBytes, err = parseInt(v, 1, math.MaxInt64)
			return err
		},
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
		entries, err := parseProperties(data)
		if err != nil {
			return nil, fmt.Errorf("properties file %s: %w", path, err)
		}
		for _, e := range entries {
			if _, dup := raw[e.key]; !dup && lookupProperty(e.key) == nil && !isReserved(e.key) {
				warnUnknown(log, e.key, fmt.Sprintf("%s line %d", path, e.line))
			}
			raw[e.key] = e.value
			source[e.key] = fmt.Sprintf("%s line %d", path, e.line)
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
	if cfg.SearchDefaultLimit > cfg.SearchMaxLimit {
		return nil, fmt.Errorf("invalid value %d for property schema.search.default.limit: must not exceed schema.search.max.limit (%d)",
			cfg.SearchDefaultLimit, cfg.SearchMaxLimit)
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

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("must be true or false")
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
		if seen[l.Addr()] {
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
	if err != nil || port < 1 || port > 65535 {
		return Listener{}, errors.New("port must be from 1 to 65535")
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
Also accepted without a warning and kept for later use: leader.eligibility,
master.eligibility, inter.instance.protocol and properties whose names start
with %s.
`, strings.Join(reservedPrefixes, ", "))
}

// propEntry is one key/value pair of a properties file; line is the line the
// entry starts on.
type propEntry struct {
	key, value string
	line       int
}

// parseProperties parses data in java.util.Properties.load syntax and returns
// the entries in file order (a later duplicate overrides an earlier one when
// put into a map). Files are read as UTF-8; a file that is not valid UTF-8 is
// read as ISO-8859-1, as Java does. A leading UTF-8 byte order mark is
// skipped.
func parseProperties(data []byte) ([]propEntry, error) {
	var text []rune
	if utf8.Valid(data) {
		text = []rune(strings.TrimPrefix(string(data), "\uFEFF"))
	} else {
		text = make([]rune, len(data))
		for i, b := range data {
			text[i] = rune(b)
		}
	}
	isWS := func(r rune) bool { return r == ' ' || r == '\t' || r == '\f' }
	isEOL := func(r rune) bool { return r == '\n' || r == '\r' }
	n := len(text)
	i, line := 0, 1
	// skipEOL consumes the line terminator at i, if any.
	skipEOL := func() {
		if i < n && text[i] == '\r' {
			i++
			if i < n && text[i] == '\n' {
				i++
			}
			line++
		} else if i < n && text[i] == '\n' {
			i++
			line++
		}
	}

	var entries []propEntry
	for i < n {
		for i < n && isWS(text[i]) {
			i++
		}
		if i >= n {
			break
		}
		if isEOL(text[i]) { // blank line
			skipEOL()
			continue
		}
		if text[i] == '#' || text[i] == '!' { // comment: never continued
			for i < n && !isEOL(text[i]) {
				i++
			}
			skipEOL()
			continue
		}
		start := line
		// Collect the logical line: natural lines joined where one ends in
		// an odd number of backslashes; the next line's leading whitespace
		// is dropped, and a blank next line ends the logical line.
		var buf []rune
		for {
			seg := len(buf)
			for i < n && !isEOL(text[i]) {
				buf = append(buf, text[i])
				i++
			}
			skipEOL()
			k := 0
			for j := len(buf) - 1; j >= seg && buf[j] == '\\'; j-- {
				k++
			}
			if k%2 == 0 {
				break
			}
			buf = buf[:len(buf)-1]
			for i < n && isWS(text[i]) {
				i++
			}
			if i >= n {
				break
			}
			if isEOL(text[i]) {
				skipEOL()
				break
			}
		}

		// Split key and value as Properties.load does: the key ends at the
		// first unescaped '=', ':' or whitespace; then whitespace, at most
		// one '=' or ':', and more whitespace are skipped.
		keyLen, valStart := 0, len(buf)
		hasSep, backslash := false, false
		for keyLen < len(buf) {
			c := buf[keyLen]
			if (c == '=' || c == ':') && !backslash {
				valStart = keyLen + 1
				hasSep = true
				break
			}
			if isWS(c) && !backslash {
				valStart = keyLen + 1
				break
			}
			backslash = c == '\\' && !backslash
			keyLen++
		}
		for valStart < len(buf) {
			c := buf[valStart]
			if !isWS(c) {
				if !hasSep && (c == '=' || c == ':') {
					hasSep = true
				} else {
					break
				}
			}
			valStart++
		}
		key, err := unescapeProperty(buf[:keyLen])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", start, err)
		}
		value, err := unescapeProperty(buf[valStart:])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", start, err)
		}
		entries = append(entries, propEntry{key: key, value: value, line: start})
	}
	return entries, nil
}

// unescapeProperty resolves the escapes of a properties key or value: \t \n
// \r \f, \uXXXX (with UTF-16 surrogate pairs combined) and a backslash before
// any other character standing for that character.
func unescapeProperty(s []rune) (string, error) {
	var b strings.Builder
	// hex4 decodes \uXXXX at s[j:] (j at the backslash).
	hex4 := func(j int) (rune, bool) {
		if j+6 > len(s) || s[j] != '\\' || s[j+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(s[j+2:j+6]), 16, 16)
		return rune(n), err == nil
	}
	for j := 0; j < len(s); {
		c := s[j]
		if c != '\\' {
			b.WriteRune(c)
			j++
			continue
		}
		if j+1 >= len(s) { // lone trailing backslash: dropped
			break
		}
		switch s[j+1] {
		case 'u':
			r, ok := hex4(j)
			if !ok {
				return "", fmt.Errorf("malformed \\uXXXX escape %q", string(s[j:min(j+6, len(s))]))
			}
			j += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(j); ok && r < 0xDC00 && r2 >= 0xDC00 && r2 <= 0xDFFF {
					r = utf16.DecodeRune(r, r2)
					j += 6
				} else {
					r = utf8.RuneError
				}
			}
			b.WriteRune(r)
			continue
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		default:
			b.WriteRune(s[j+1])
		}
		j += 2
	}
	return b.String(), nil
}
