package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/schemaregistry/registry/store/kafka"
)

// kafkaSettings is the Kafka mode's configuration, from the kafkastore.*,
// election and instance properties (Confluent's names and defaults).
type kafkaSettings struct {
	log              kafka.Config
	identity         kafka.Identity
	advertiseBound   int // index in cfg.Listeners of the port-0 listener whose bound port is advertised, or -1
	groupID          string
	sticky           bool
	sessionTimeout   time.Duration
	heartbeat        time.Duration
	rebalanceTimeout time.Duration
}

// kafkaMode reads the Kafka properties; ok is false when
// kafkastore.bootstrap.servers is not set (embedded mode).
func kafkaMode(cfg *Config) (s kafkaSettings, ok bool, err error) {
	raw := cfg.Raw
	servers := strings.TrimSpace(raw["kafkastore.bootstrap.servers"])
	if servers == "" {
		return s, false, nil
	}
	var errs []error
	bad := func(prop, value, allowed string) {
		errs = append(errs, fmt.Errorf("invalid value %q for property %s: %s", value, prop, allowed))
	}
	for _, b := range strings.Split(servers, ",") {
		b = strings.TrimSpace(b)
		if i := strings.Index(b, "://"); i >= 0 {
			b = b[i+3:] // PLAINTEXT://host:port, as Confluent accepts
		}
		if b != "" {
			s.log.Brokers = append(s.log.Brokers, b)
		}
	}
	intProp := func(prop string, def int, min int) int {
		v, ok := raw[prop]
		if !ok || strings.TrimSpace(v) == "" {
			return def
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < min {
			bad(prop, v, fmt.Sprintf("an integer >= %d", min))
			return def
		}
		return n
	}
	boolProp := func(prop string, def bool) bool {
		v, ok := raw[prop]
		if !ok || strings.TrimSpace(v) == "" {
			return def
		}
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true
		case "false":
			return false
		}
		bad(prop, v, "true or false")
		return def
	}
	ms := func(prop string, def int) time.Duration {
		return time.Duration(intProp(prop, def, 1)) * time.Millisecond
	}
	s.log.Topic = raw["kafkastore.topic"]
	s.log.ReplicationFactor = intProp("kafkastore.topic.replication.factor", 3, 1)
	s.log.SkipValidation = boolProp("kafkastore.topic.skip.validation", false)
	s.log.Timeout = ms("kafkastore.timeout.ms", 500)
	s.log.InitTimeout = ms("kafkastore.init.timeout.ms", 60000)
	s.log.TopicConfigs = map[string]string{}
	for k, v := range raw {
		if name, ok := strings.CutPrefix(k, "kafkastore.topic.config."); ok {
			s.log.TopicConfigs[name] = v
		}
	}
	opts, err := kafkaSecurity(raw)
	if err != nil {
		errs = append(errs, err)
	}
	s.log.ClientOpts = append(opts, kgo.ClientID("schema-registry-"+cfg.HostName))

	s.groupID = cfg.GroupID
	if boolProp("kafkastore.fencing.enable", true) {
		s.log.TransactionalID = raw["kafkastore.transactional.id"]
		if s.log.TransactionalID == "" {
			s.log.TransactionalID = "schema-registry-" + cfg.GroupID
		}
	}
	eligible := boolProp("leader.eligibility", true)
	if _, set := raw["master.eligibility"]; set {
		eligible = boolProp("master.eligibility", true)
	}
	s.sticky = boolProp("leader.election.sticky", false)
	s.sessionTimeout = ms("kafkagroup.session.timeout.ms", 10000)
	s.heartbeat = ms("kafkagroup.heartbeat.interval.ms", 3000)
	s.rebalanceTimeout = ms("kafkagroup.rebalance.timeout.ms", 300000)
	scheme := strings.ToLower(strings.TrimSpace(raw["inter.instance.protocol"]))
	if scheme == "" {
		scheme = strings.ToLower(strings.TrimSpace(raw["schema.registry.inter.instance.protocol"]))
	}
	if scheme == "" {
		scheme = "http"
	}
	if scheme != "http" && scheme != "https" {
		bad("inter.instance.protocol", scheme, "http or https")
	}
	port := cfg.HostPort
	s.advertiseBound = -1
	if port == 0 {
		for i, l := range cfg.Listeners {
			if l.Scheme == scheme {
				port = l.Port
				if port == 0 {
					s.advertiseBound = i // known once bound
				}
				break
			}
		}
	}
	if port == 0 && s.advertiseBound < 0 {
		errs = append(errs, fmt.Errorf("no %s listener for inter.instance.protocol=%s: add one to listeners or set host.port", scheme, scheme))
	}
	s.identity = kafka.Identity{Host: cfg.HostName, Port: port, MasterEligibility: eligible, Scheme: scheme, Version: 1}
	return s, true, errors.Join(errs...)
}

var jaasField = regexp.MustCompile(`(username|password)\s*=\s*"((?:[^"\\]|\\.)*)"`)

// kafkaSecurity turns kafkastore.security.protocol, kafkastore.sasl.* and
// kafkastore.ssl.* into client options. TLS material is read from PEM files.
func kafkaSecurity(raw map[string]string) ([]kgo.Opt, error) {
	proto := strings.ToUpper(strings.TrimSpace(raw["kafkastore.security.protocol"]))
	if proto == "" {
		proto = "PLAINTEXT"
	}
	var opts []kgo.Opt
	switch proto {
	case "PLAINTEXT":
		return nil, nil
	case "SSL", "SASL_SSL":
		tc, err := kafkaTLS(raw)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	case "SASL_PLAINTEXT":
	default:
		return nil, fmt.Errorf("invalid value %q for property kafkastore.security.protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", proto)
	}
	if !strings.HasPrefix(proto, "SASL_") {
		return opts, nil
	}
	mech := strings.ToUpper(strings.TrimSpace(raw["kafkastore.sasl.mechanism"]))
	user, pass := "", ""
	for _, m := range jaasField.FindAllStringSubmatch(raw["kafkastore.sasl.jaas.config"], -1) {
		v := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[2])
		if m[1] == "username" {
			user = v
		} else {
			pass = v
		}
	}
	if user == "" {
		return nil, errors.New(`property kafkastore.sasl.jaas.config must give username="..." and password="..."`)
	}
	switch mech {
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()))
	default:
		return nil, fmt.Errorf("invalid value %q for property kafkastore.sasl.mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", mech)
	}
	return opts, nil
}

func kafkaTLS(raw map[string]string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if strings.TrimSpace(raw["kafkastore.ssl.endpoint.identification.algorithm"]) == "" {
		if _, set := raw["kafkastore.ssl.endpoint.identification.algorithm"]; set {
			tc.InsecureSkipVerify = true // Kafka's way to turn off host name checks
		}
	}
	pemOnly := func(prop string) error {
		if t := strings.ToUpper(strings.TrimSpace(raw[prop])); t != "" && t != "PEM" {
			return fmt.Errorf("invalid value %q for property %s: only PEM files are read (convert the store with keytool/openssl)", t, prop)
		}
		return nil
	}
	if err := pemOnly("kafkastore.ssl.truststore.type"); err != nil {
		return nil, err
	}
	if err := pemOnly("kafkastore.ssl.keystore.type"); err != nil {
		return nil, err
	}
	if path := raw["kafkastore.ssl.truststore.location"]; path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("property kafkastore.ssl.truststore.location: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("property kafkastore.ssl.truststore.location: %s holds no PEM certificate", path)
		}
		tc.RootCAs = pool
	}
	if path := raw["kafkastore.ssl.keystore.location"]; path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("property kafkastore.ssl.keystore.location: %w", err)
		}
		cert, err := tls.X509KeyPair(b, b)
		if err != nil {
			return nil, fmt.Errorf("property kafkastore.ssl.keystore.location: %s must hold a PEM certificate and its key: %w", path, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// logEnd returns the offset the next record of the schema topic will get,
// for the lag metric.
func logEnd(l *kafka.Log, topic string) func(context.Context) (int64, error) {
	if topic == "" {
		topic = "_schemas" // kafka.Config's default
	}
	admin := kadm.NewClient(l.Client())
	return func(ctx context.Context) (int64, error) {
		ends, err := admin.ListEndOffsets(ctx, topic)
		if err != nil {
			return 0, err
		}
		end, ok := ends.Lookup(topic, 0)
		if !ok {
			return 0, fmt.Errorf("no end offset for %s", topic)
		}
		return end.Offset, end.Err
	}
}
