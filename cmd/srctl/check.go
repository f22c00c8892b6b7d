package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/sr"
	"gopkg.in/yaml.v3"

	"github.com/schemaregistry/registry/compat"
)

// checkOptions are the flags of check and validate.
type checkOptions struct {
	local      bool
	subject    string
	configFile string
	level      string
	normalize  bool
	load       loadOptions
}

func (o *checkOptions) schemaFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.load.typ, "type", "", "schema type: AVRO, PROTOBUF or JSON (default: from the file)")
	f.StringArrayVar(&o.load.refs, "ref", nil, "a reference: NAME=PATH, NAME=SUBJECT@VERSION (on the registry; VERSION may be latest) or PATH (repeatable)")
	f.StringArrayVarP(&o.load.protoPaths, "proto-path", "I", nil, "directory to find imported .proto files in (repeatable)")
}

// job is one schema to check: a file against a subject.
type job struct {
	subject string
	file    *schemaFile
	olds    []*schemaFile // --local: the earlier versions, oldest first
}

// checkResult is the verdict on one job.
type checkResult struct {
	Subject    string   `json:"subject,omitempty"`
	File       string   `json:"file"`
	Compatible bool     `json:"compatible"`
	Level      string   `json:"level,omitempty"`
	Messages   []string `json:"messages,omitempty"`
	Error      string   `json:"error,omitempty"`
	// Where is how the verdict was reached: "registry" (its own
	// compatibility endpoint) or "local" (this tool's engine).
	Where string `json:"checkedBy"`
}

func newCheck(g *globals) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check (--local OLD... NEW | --subject SUBJECT FILE | --config FILE)",
		Short: "Check schema files for compatibility, offline or against a registry",
		Long: `check tells whether schema files are compatible with the versions of their subjects:

  --local OLD... NEW     offline, no registry: NEW against the OLD files (oldest first), at
                         --level (default BACKWARD)
  --subject SUBJECT FILE against the subject's versions on the registry, at its configured
                         level or --level
  --config FILE          the subjects of a YAML file against the registry:
                           subjects:
                             orders-value: schemas/order.avsc
                             payments-value:
                               file: schemas/payment.proto
                               references:
                                 - {name: common.proto, file: schemas/common.proto}
                                 - {name: com.acme.Address, subject: address-value, version: 3}
                           protoPaths: [schemas]

The messages are Confluent's verbose compatibility messages. Against a registry, the check
is the registry's own (POST /compatibility) unless --level is given or a reference exists
only in local files: then the subject's versions are read and checked here, with the same
engine as this registry's. Exit code 0 compatible, 1 incompatible, 2 error.`,
		Example: `  srctl check --local v1.avsc v2.avsc
  srctl check --local --level FULL_TRANSITIVE v1.avsc v2.avsc v3.avsc
  srctl --url http://localhost:8081 check --subject orders-value order.avsc
  srctl --url http://localhost:8081 check --config schemas.yaml -o github`,
		RunE: func(cmd *cobra.Command, args []string) error {
			jobs, err := o.jobs(args)
			if err != nil {
				return err
			}
			results := runChecks(cmd.Context(), g, o, jobs)
			return report(cmd.OutOrStdout(), g.output, results)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.local, "local", false, "check offline: the arguments are OLD... NEW")
	f.StringVar(&o.subject, "subject", "", "the subject to check FILE against on the registry")
	f.StringVar(&o.configFile, "config", "", "YAML file mapping subjects to files")
	f.StringVar(&o.level, "level", "", "compatibility level instead of the subject's (BACKWARD, FORWARD, FULL, *_TRANSITIVE, NONE)")
	f.BoolVar(&o.normalize, "normalize", false, "normalize the schemas before comparing them")
	o.schemaFlags(cmd)
	return cmd
}

func (o *checkOptions) jobs(args []string) ([]job, error) {
	if o.level != "" {
		if _, err := compat.ParseLevel(strings.ToUpper(o.level)); err != nil {
			return nil, fmt.Errorf("--level: %w", err)
		}
		o.level = strings.ToUpper(o.level)
	}
	modes := 0
	for _, on := range []bool{o.local, o.subject != "", o.configFile != ""} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return nil, errors.New("give one of --local OLD... NEW, --subject SUBJECT FILE, --config FILE")
	}
	switch {
	case o.local:
		if len(args) < 2 {
			return nil, errors.New("--local wants at least two files: OLD... NEW")
		}
		var files []*schemaFile
		for _, a := range args {
			f, err := loadSchema(a, o.load)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
		return []job{{subject: "local", file: files[len(files)-1], olds: files[:len(files)-1]}}, nil
	case o.subject != "":
		if len(args) != 1 {
			return nil, errors.New("--subject wants one FILE")
		}
		f, err := loadSchema(args[0], o.load)
		if err != nil {
			return nil, err
		}
		return []job{{subject: o.subject, file: f}}, nil
	}
	if len(args) != 0 {
		return nil, errors.New("--config takes no FILE arguments")
	}
	return o.configJobs()
}

// subjectsFile is the --config file.
type subjectsFile struct {
	Subjects   map[string]subjectEntry `yaml:"subjects"`
	ProtoPaths []string                `yaml:"protoPaths"`
}

// subjectEntry is a file name, or a file with its type and references.
type subjectEntry struct {
	File       string `yaml:"file"`
	Type       string `yaml:"type"`
	References []struct {
		Name    string `yaml:"name"`
		File    string `yaml:"file"`
		Subject string `yaml:"subject"`
		Version string `yaml:"version"`
	} `yaml:"references"`
}

func (e *subjectEntry) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		e.File = n.Value
		return nil
	}
	type plain subjectEntry
	return n.Decode((*plain)(e))
}

func (o *checkOptions) configJobs() ([]job, error) {
	data, err := os.ReadFile(o.configFile)
	if err != nil {
		return nil, err
	}
	var cf subjectsFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		return nil, fmt.Errorf("%s: %w", o.configFile, err)
	}
	if len(cf.Subjects) == 0 {
		return nil, fmt.Errorf("%s: no subjects", o.configFile)
	}
	dir := filepath.Dir(o.configFile)
	rel := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	names := make([]string, 0, len(cf.Subjects))
	for s := range cf.Subjects {
		names = append(names, s)
	}
	slices.Sort(names)
	var jobs []job
	for _, s := range names {
		e := cf.Subjects[s]
		lo := o.load
		if e.Type != "" {
			lo.typ = e.Type
		}
		for _, p := range cf.ProtoPaths {
			lo.protoPaths = append(lo.protoPaths, rel(p))
		}
		lo.refs = append([]string(nil), lo.refs...)
		for _, r := range e.References {
			switch {
			case r.File != "":
				lo.refs = append(lo.refs, r.Name+"="+rel(r.File))
			case r.Subject != "":
				v := r.Version
				if v == "" {
					v = "latest"
				}
				lo.refs = append(lo.refs, r.Name+"="+r.Subject+"@"+v)
			default:
				return nil, fmt.Errorf("%s: subject %s: reference %s has neither file nor subject", o.configFile, s, r.Name)
			}
		}
		f, err := loadSchema(rel(e.File), lo)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, job{subject: s, file: f})
	}
	return jobs, nil
}

func runChecks(ctx context.Context, g *globals, o *checkOptions, jobs []job) []checkResult {
	if ctx == nil {
		ctx = context.Background()
	}
	var cl *sr.Client
	var clErr error
	if !o.local {
		cl, clErr = g.client()
	}
	var out []checkResult
	for _, j := range jobs {
		res := checkResult{Subject: j.subject, File: j.file.path}
		if o.local {
			res.Subject = ""
		}
		var err error
		switch {
		case clErr != nil:
			err = clErr
		case o.local:
			err = localCheck(ctx, o, j, &res)
		default:
			err = remoteCheck(ctx, cl, o, j, &res)
		}
		if err != nil {
			res.Error = err.Error()
		}
		out = append(out, res)
	}
	return out
}

// localCheck checks NEW against the OLD files with the engine.
func localCheck(ctx context.Context, o *checkOptions, j job, res *checkResult) error {
	e, err := newEngine(ctx)
	if err != nil {
		return err
	}
	noRegistry := func(r ref) (int, error) {
		return 0, fmt.Errorf("not a local file (--local reads no registry): give it as --ref %s=PATH", r.name)
	}
	for _, old := range j.olds {
		if _, err := e.add(j.subject, old, noRegistry); err != nil {
			return err
		}
	}
	level := compat.Level(o.level)
	if level == "" {
		level = compat.Backward
	}
	return verdict(e, j, level, o.normalize, noRegistry, "local", res)
}

func verdict(e *engine, j job, level compat.Level, normalize bool, resolve func(ref) (int, error), where string, res *checkResult) error {
	r, err := e.check(j.subject, j.file, level, normalize, resolve)
	if err != nil {
		return err
	}
	res.Compatible, res.Messages, res.Level, res.Where = r.Compatible, r.Messages, string(level), where
	return nil
}

// remoteCheck asks the registry, or checks here against what it holds.
func remoteCheck(ctx context.Context, cl *sr.Client, o *checkOptions, j job, res *checkResult) error {
	if o.level == "" {
		s, ok, err := registryRequest(ctx, cl, j.file)
		if err != nil {
			return err
		}
		if ok {
			var answer sr.CheckCompatibilityResult
			path := "/compatibility/subjects/" + url.PathEscape(j.subject) + "/versions"
			var params []sr.Param
			if o.normalize {
				params = append(params, sr.Normalize)
			}
			// First without verbose: a schema the registry cannot parse is
			// then an error (42201), not an incompatibility; then, when
			// incompatible, with verbose for the messages.
			for _, verbose := range []bool{false, true} {
				ps := params
				if verbose {
					ps = append(ps, sr.Verbose)
				}
				if err := cl.Do(sr.WithParams(ctx, ps...), "POST", path, s, &answer); err != nil {
					return fmt.Errorf("%s: %s", j.file.path, describe(err))
				}
				if answer.Is {
					break
				}
			}
			res.Compatible, res.Messages, res.Where = answer.Is, answer.Messages, "registry"
			if level, err := subjectLevel(ctx, cl, j.subject); err == nil {
				res.Level = level
			}
			return nil
		}
	}
	// Here, against the subject's versions as the registry holds them.
	e, err := newEngine(ctx)
	if err != nil {
		return err
	}
	if err := e.seed(cl, j.subject, map[string]bool{}); err != nil {
		return err
	}
	level := o.level
	if level == "" {
		if level, err = subjectLevel(ctx, cl, j.subject); err != nil {
			return err
		}
	}
	resolve := func(r ref) (int, error) {
		if err := e.seed(cl, r.subject, map[string]bool{}); err != nil {
			return 0, err
		}
		return registryVersion(ctx, cl, r)
	}
	return verdict(e, j, compat.Level(level), o.normalize, resolve, "local", res)
}

// subjectLevel is the compatibility level that applies to a subject.
func subjectLevel(ctx context.Context, cl *sr.Client, subject string) (string, error) {
	rs := cl.Compatibility(sr.WithParams(ctx, sr.DefaultToGlobal), subject)
	if len(rs) == 0 {
		return "", errors.New("no compatibility answer")
	}
	if rs[0].Err != nil {
		return "", rs[0].Err
	}
	return rs[0].Level.String(), nil
}

// registryRequest is the request of a file whose references are all on
// the registry (local files included, when the registry holds them as
// they are); ok is false when one is only local.
func registryRequest(ctx context.Context, cl *sr.Client, f *schemaFile) (sr.Schema, bool, error) {
	s := sr.Schema{Schema: f.text}
	if err := s.Type.UnmarshalText([]byte(f.typ)); err != nil {
		return s, false, err
	}
	for _, r := range f.refs {
		version := r.version
		if r.file != nil {
			dep, ok, err := registryRequest(ctx, cl, r.file)
			if err != nil || !ok {
				return s, ok, err
			}
			found, err := cl.LookupSchema(ctx, r.subject, dep)
			if err != nil {
				if re, ok := apiError(err); ok && re.StatusCode == 404 {
					return s, false, nil
				}
				return s, false, err
			}
			version = found.Version
		} else {
			v, err := registryVersion(ctx, cl, r)
			if err != nil {
				return s, false, err
			}
			version = v
		}
		s.References = append(s.References, sr.SchemaReference{Name: r.name, Subject: r.subject, Version: version})
	}
	return s, true, nil
}

// registryVersion is the version a registry reference names (its latest
// for -1).
func registryVersion(ctx context.Context, cl *sr.Client, r ref) (int, error) {
	if r.version > 0 {
		return r.version, nil
	}
	s, err := cl.SchemaByVersion(ctx, r.subject, -1)
	if err != nil {
		if re, ok := apiError(err); ok && re.StatusCode == 404 {
			return 0, fmt.Errorf("no local file and no subject %s on the registry", r.subject)
		}
		return 0, err
	}
	return s.Version, nil
}

// report prints the results and turns them into the exit code.
func report(w io.Writer, output string, results []checkResult) error {
	switch output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	case "github":
		writeGitHub(w, results)
	case "text", "":
		for _, r := range results {
			name := r.File
			if r.Subject != "" {
				name = r.Subject + " (" + r.File + ")"
			}
			switch {
			case r.Error != "":
				fmt.Fprintf(w, "%s: error: %s\n", name, r.Error)
			case r.Compatible:
				fmt.Fprintf(w, "%s: compatible%s\n", name, levelNote(r.Level))
			default:
				fmt.Fprintf(w, "%s: INCOMPATIBLE%s\n", name, levelNote(r.Level))
				for _, m := range r.Messages {
					fmt.Fprintf(w, "  - %s\n", m)
				}
			}
		}
	default:
		return fmt.Errorf("--output %s: want text, json or github", output)
	}
	failed, incompatible := 0, 0
	for _, r := range results {
		switch {
		case r.Error != "":
			failed++
		case !r.Compatible:
			incompatible++
		}
	}
	switch {
	case failed > 0:
		return fmt.Errorf("%d of %d checks failed", failed, len(results))
	case incompatible > 0:
		return &negativeError{fmt.Sprintf("%d of %d incompatible", incompatible, len(results))}
	}
	return nil
}

func levelNote(level string) string {
	if level == "" {
		return ""
	}
	return " (" + level + ")"
}

func newValidate(g *globals) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check that schema files parse, offline",
		Long: `validate parses schema files (Avro, Protobuf with its imports, JSON Schema) as this
registry does for a new schema, references included, without any registry. Exit code 0
when all are valid, 1 when one is not.`,
		Example: `  srctl validate schemas/*.avsc
  srctl validate -I protos protos/orders/v1/order.proto`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, a := range args {
				msg := "valid"
				f, err := loadSchema(a, o.load)
				if err == nil {
					err = validateFile(cmd.Context(), f)
				}
				if err != nil {
					msg, bad = "INVALID: "+err.Error(), bad+1
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", a, msg)
			}
			if bad > 0 {
				return &negativeError{fmt.Sprintf("%d of %d invalid", bad, len(args))}
			}
			return nil
		},
	}
	o.schemaFlags(cmd)
	return cmd
}

// validateFile parses a file as a new schema, its references first.
func validateFile(ctx context.Context, f *schemaFile) error {
	if ctx == nil {
		ctx = context.Background()
	}
	e, err := newEngine(ctx)
	if err != nil {
		return err
	}
	_, err = e.check("validate", f, compat.None, false, func(r ref) (int, error) {
		return 0, fmt.Errorf("not a local file: give it as --ref %s=PATH", r.name)
	})
	return err
}

func readFileOrEmpty(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
