package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/formats"
)

// call sends a request and returns the answer's JSON.
func call(ctx context.Context, cl *sr.Client, method, path string, body any, params ...sr.Param) (json.RawMessage, error) {
	var out json.RawMessage
	if len(params) > 0 {
		ctx = sr.WithParams(ctx, params...)
	}
	if err := cl.Do(ctx, method, path, body, &out); err != nil {
		return nil, fmt.Errorf("%s %s: %s", method, path, describe(err))
	}
	return out, nil
}

// describe says what a failed call got: Confluent's message and code, else
// the HTTP status and the start of the body (a proxy's page).
func describe(err error) string {
	re, ok := apiError(err)
	switch {
	case !ok:
		return err.Error()
	case re.ErrorCode != 0:
		return fmt.Sprintf("%s (error %d)", re.Message, re.ErrorCode)
	}
	raw := strings.TrimSpace(string(re.Raw))
	if len(raw) > 200 {
		raw = raw[:200] + "..."
	}
	return fmt.Sprintf("HTTP %d: %s", re.StatusCode, raw)
}

// printJSON writes an answer indented.
func printJSON(w io.Writer, raw json.RawMessage) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		_, err = w.Write(append(raw, '\n'))
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func subjectPath(subject string) string { return "/subjects/" + url.PathEscape(subject) }

func newRegister(g *globals) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "register --subject SUBJECT FILE",
		Short: "Register a schema file under a subject (its local references first)",
		Long: `register registers a schema file under a subject. References given as local files
(and a .proto file's imports found locally) are registered first, each under its own
subject (the reference name, as the official serializers do), unless the registry holds
them already.`,
		Example: `  srctl register --subject orders-value schemas/order.avsc
  srctl register --subject orders-value -I protos protos/order.proto
  srctl register --subject orders-value --ref com.acme.Address=address.avsc order.avsc`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.subject == "" {
				return errors.New("--subject is required")
			}
			f, err := loadSchema(args[0], o.load)
			if err != nil {
				return err
			}
			cl, err := g.client()
			if err != nil {
				return err
			}
			got, err := registerFile(cmd.Context(), cl, o.subject, f, o.normalize)
			if err != nil {
				return err
			}
			if g.output == "json" {
				b, _ := json.Marshal(map[string]any{"subject": o.subject, "version": got.Version, "id": got.ID})
				return printJSON(cmd.OutOrStdout(), b)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: version %d, id %d\n", o.subject, got.Version, got.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.subject, "subject", "", "subject to register under")
	cmd.Flags().BoolVar(&o.normalize, "normalize", false, "normalize the schema")
	o.schemaFlags(cmd)
	return cmd
}

// registerFile registers a file, its local references first.
func registerFile(ctx context.Context, cl *sr.Client, subject string, f *schemaFile, normalize bool) (sr.SubjectSchema, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	s := sr.Schema{Schema: f.text}
	if err := s.Type.UnmarshalText([]byte(f.typ)); err != nil {
		return sr.SubjectSchema{}, err
	}
	for _, r := range f.refs {
		var version int
		if r.file != nil {
			dep, err := registerFile(ctx, cl, r.subject, r.file, normalize)
			if err != nil {
				return sr.SubjectSchema{}, fmt.Errorf("reference %s: %w", r.name, err)
			}
			version = dep.Version
		} else {
			v, err := registryVersion(ctx, cl, r)
			if err != nil {
				return sr.SubjectSchema{}, fmt.Errorf("reference %s: %w", r.name, err)
			}
			version = v
		}
		s.References = append(s.References, sr.SchemaReference{Name: r.name, Subject: r.subject, Version: version})
	}
	if normalize {
		ctx = sr.WithParams(ctx, sr.Normalize)
	}
	if _, err := cl.RegisterSchema(ctx, subject, s, -1, -1); err != nil {
		return sr.SubjectSchema{}, fmt.Errorf("%s: %s", f.path, describe(err))
	}
	return cl.LookupSchema(ctx, subject, s)
}

func newGet(g *globals) *cobra.Command {
	var (
		version string
		id      int
		deleted bool
	)
	cmd := &cobra.Command{
		Use:   "get (SUBJECT [--version N] | --id ID [SUBJECT])",
		Short: "Print a schema: a subject's version, or the schema of an id",
		Long: `get prints the schema text of a subject-version (the latest by default) or of an id
(with -o json: the registry's whole answer). With --id, a SUBJECT says in which subject or
context (":.name:") to look.`,
		Example: `  srctl get orders-value
  srctl get orders-value --version 3 -o json
  srctl get --id 42`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var raw json.RawMessage
			var params []sr.Param
			if deleted {
				params = append(params, sr.ShowDeleted)
			}
			switch {
			case id > 0:
				if len(args) == 1 {
					params = append(params, sr.Subject(args[0]))
				}
				raw, err = call(ctx, cl, "GET", "/schemas/ids/"+strconv.Itoa(id), nil, params...)
			case len(args) == 1:
				raw, err = call(ctx, cl, "GET", subjectPath(args[0])+"/versions/"+url.PathEscape(version), nil, params...)
			default:
				return errors.New("give a SUBJECT or --id")
			}
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			var s struct{ Schema string }
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), s.Schema)
			return nil
		},
	}
	cmd.Flags().StringVar(&version, "version", "latest", "version number, or latest")
	cmd.Flags().IntVar(&id, "id", 0, "schema id")
	cmd.Flags().BoolVar(&deleted, "deleted", false, "include soft-deleted versions")
	return cmd
}

func newDownload(g *globals) *cobra.Command {
	var (
		dir, prefix string
		all         bool
		ids         []int
	)
	cmd := &cobra.Command{
		Use:   "download [SUBJECT...] [--ids N,...] --dir DIR",
		Short: "Write subjects' schemas to files",
		Long: `download writes the latest version of each subject (every version with --all-versions)
to DIR, one file each, named after the subject (and version) with the type's extension
(.avsc, .proto, .json). Without SUBJECT arguments, every subject (of --prefix); with --ids
only, those ids (id-N.avsc, ...).`,
		Example: `  srctl download --dir schemas
  srctl download orders-value payments-value --dir schemas --all-versions
  srctl download --ids 1,42 --dir schemas`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return errors.New("--dir is required")
			}
			cl, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			for _, id := range ids {
				raw, err := call(ctx, cl, "GET", "/schemas/ids/"+strconv.Itoa(id), nil)
				if err != nil {
					return err
				}
				var s struct {
					SchemaType formats.SchemaType
					Schema     string
				}
				if err := json.Unmarshal(raw, &s); err != nil {
					return err
				}
				path := filepath.Join(dir, "id-"+strconv.Itoa(id)+extension(s.SchemaType))
				if err := os.WriteFile(path, []byte(s.Schema+"\n"), 0o644); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), path)
			}
			if len(ids) > 0 && len(args) == 0 {
				return nil
			}
			subjects := args
			if len(subjects) == 0 {
				params := []sr.Param{}
				if prefix != "" {
					params = append(params, sr.SubjectPrefix(prefix))
				}
				raw, err := call(ctx, cl, "GET", "/subjects", nil, params...)
				if err != nil {
					return err
				}
				if err := json.Unmarshal(raw, &subjects); err != nil {
					return err
				}
			}
			used := map[string]string{}
			for _, s := range subjects {
				versions := []string{"latest"}
				if all {
					vs, err := cl.SubjectVersions(ctx, s)
					if err != nil {
						return fmt.Errorf("%s: %w", s, err)
					}
					versions = versions[:0]
					for _, v := range vs {
						versions = append(versions, strconv.Itoa(v))
					}
				}
				for _, v := range versions {
					raw, err := call(ctx, cl, "GET", subjectPath(s)+"/versions/"+v, nil)
					if err != nil {
						return err
					}
					var sv struct {
						Version    int
						SchemaType formats.SchemaType
						Schema     string
					}
					if err := json.Unmarshal(raw, &sv); err != nil {
						return err
					}
					name := fileName(s)
					if owner, ok := used[name]; ok && owner != s {
						name += "-" + fmt.Sprintf("%x", sha256.Sum256([]byte(s)))[:8] // two subjects, one file name
					}
					used[name] = s
					if all {
						name += "-v" + strconv.Itoa(sv.Version)
					}
					path := filepath.Join(dir, name+extension(sv.SchemaType))
					if err := os.WriteFile(path, []byte(sv.Schema+"\n"), 0o644); err != nil {
						return err
					}
					fmt.Fprintln(cmd.OutOrStdout(), path)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory to write the files to")
	cmd.Flags().StringVar(&prefix, "prefix", "", "only subjects starting with this (subjectPrefix)")
	cmd.Flags().BoolVar(&all, "all-versions", false, "every version, not only the latest")
	cmd.Flags().IntSliceVar(&ids, "ids", nil, "schemas by id instead (id-N.avsc, ...), comma-separated")
	return cmd
}

// fileName turns a subject into a file name: characters a file system
// refuses become _.
func fileName(subject string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '_'
		}
		return r
	}, subject)
}

func extension(t formats.SchemaType) string {
	switch t {
	case formats.Protobuf:
		return ".proto"
	case formats.JSON:
		return ".json"
	}
	return ".avsc"
}

func newDiff(g *globals) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two schemas: verdict at each level, their incompatibilities, and a text diff",
		Long: `diff compares two schemas, each a file or SUBJECT@VERSION on the registry: the
list of changes from OLD to NEW for Protobuf and JSON Schema (Confluent's diff, each change
compatible or not), the compatibility of NEW after OLD at BACKWARD, FORWARD and FULL with
the engine's messages (Confluent's), then a unified diff of the texts. Exit code 0 when the texts are the same,
1 when they differ.`,
		Example: `  srctl diff v1.avsc v2.avsc
  srctl --url http://localhost:8081 diff orders-value@1 orders-value@2
  srctl --url http://localhost:8081 diff orders-value@latest order.avsc`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			var cl *sr.Client
			side := func(a string) (*schemaFile, error) {
				if _, err := os.Stat(a); err == nil || !strings.Contains(a, "@") {
					return loadSchema(a, o.load)
				}
				if cl == nil {
					var err error
					if cl, err = g.client(); err != nil {
						return nil, err
					}
				}
				return downloadVersion(ctx, cl, a)
			}
			old, err := side(args[0])
			if err != nil {
				return err
			}
			next, err := side(args[1])
			if err != nil {
				return err
			}
			e, err := newEngine(ctx)
			if err != nil {
				return err
			}
			resolve := func(r ref) (int, error) {
				if cl == nil {
					return 0, fmt.Errorf("not a local file: give it as --ref %s=PATH, or a --url to read it from", r.name)
				}
				if err := e.seed(cl, r.subject, map[string]bool{}); err != nil {
					return 0, err
				}
				return registryVersion(ctx, cl, r)
			}
			oldParsed, err := e.parsed("diff", old, resolve)
			if err != nil {
				return err
			}
			newParsed, err := e.parsed("diff-new", next, resolve)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if changes, ok, err := compat.Changes(oldParsed, newParsed); ok && err == nil {
				fmt.Fprintf(w, "== changes from %s to %s\n", args[0], args[1])
				if len(changes) == 0 {
					fmt.Fprintln(w, "(none)")
				}
				for _, c := range changes {
					kind := "incompatible"
					if c.Compatible {
						kind = "compatible"
					}
					fmt.Fprintf(w, "%s %s (%s)\n", c.Type, c.Path, kind)
				}
			}
			fmt.Fprintf(w, "== compatibility of %s after %s\n", args[1], args[0])
			for _, level := range []compat.Level{compat.Backward, compat.Forward, compat.Full} {
				res, err := e.check("diff", next, level, o.normalize, resolve)
				if err != nil {
					return err
				}
				if res.Compatible {
					fmt.Fprintf(w, "%s: compatible\n", level)
					continue
				}
				fmt.Fprintf(w, "%s: INCOMPATIBLE\n", level)
				for _, m := range res.Messages {
					fmt.Fprintf(w, "  - %s\n", m)
				}
			}
			fmt.Fprintln(w, "== text")
			d := udiff.Unified(args[0], args[1], withNewline(old.text), withNewline(next.text))
			if d == "" {
				fmt.Fprintln(w, "(the same text)")
				return nil
			}
			fmt.Fprint(w, d)
			return &negativeError{"the schemas differ"}
		},
	}
	cmd.Flags().BoolVar(&o.normalize, "normalize", false, "normalize the schemas before comparing them")
	o.schemaFlags(cmd)
	return cmd
}

func withNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// downloadVersion reads SUBJECT@VERSION from the registry as a file would
// be read, its references on the registry.
func downloadVersion(ctx context.Context, cl *sr.Client, spec string) (*schemaFile, error) {
	at := strings.LastIndexByte(spec, '@')
	subject, version := spec[:at], spec[at+1:]
	raw, err := call(ctx, cl, "GET", subjectPath(subject)+"/versions/"+url.PathEscape(version), nil)
	if err != nil {
		return nil, err
	}
	var sv struct {
		SchemaType formats.SchemaType
		Schema     string
		References []formats.Reference
	}
	if err := json.Unmarshal(raw, &sv); err != nil {
		return nil, err
	}
	if sv.SchemaType == "" {
		sv.SchemaType = formats.Avro
	}
	f := &schemaFile{path: spec, typ: sv.SchemaType, text: sv.Schema}
	for _, r := range sv.References {
		f.refs = append(f.refs, ref{name: r.Name, subject: r.Subject, version: r.Version})
	}
	return f, nil
}

func newConfig(g *globals) *cobra.Command {
	return settingsCommand(g, "config", "compatibility level and other subject or global settings",
		`  srctl config get
  srctl config get orders-value --default-to-global
  srctl config set orders-value --level FULL_TRANSITIVE
  srctl config set --body '{"compatibility":"BACKWARD","normalize":true}'
  srctl config delete orders-value`,
		func(set *cobra.Command, body *string, _ *[]sr.Param) {
			var level string
			set.Flags().StringVar(&level, "level", "", "compatibility level")
			set.PreRunE = func(*cobra.Command, []string) error {
				if level == "" && *body == "" {
					return errors.New("give --level or --body")
				}
				if level != "" {
					l, err := compat.ParseLevel(strings.ToUpper(level))
					if err != nil {
						return err
					}
					*body = fmt.Sprintf(`{"compatibility":%q}`, l)
				}
				return nil
			}
		})
}

func newMode(g *globals) *cobra.Command {
	return settingsCommand(g, "mode", "mode (READWRITE, READONLY, IMPORT) of a subject or the registry",
		`  srctl mode get
  srctl mode set --mode READONLY
  srctl mode set orders-value --mode IMPORT --force
  srctl mode delete orders-value`,
		func(set *cobra.Command, body *string, params *[]sr.Param) {
			var mode string
			var force bool
			set.Flags().StringVar(&mode, "mode", "", "READWRITE, READONLY, READONLY_OVERRIDE or IMPORT")
			set.Flags().BoolVar(&force, "force", false, "IMPORT even where subjects exist")
			set.PreRunE = func(cmd *cobra.Command, _ []string) error {
				if mode == "" {
					return errors.New("--mode is required")
				}
				*body = fmt.Sprintf(`{"mode":%q}`, strings.ToUpper(mode))
				if force {
					*params = append(*params, sr.Force)
				}
				return nil
			}
		})
}

// settingsCommand is config or mode: get, set and delete of the global
// or a subject's (a context's: ":.name:").
func settingsCommand(g *globals, name, what, example string, setFlags func(*cobra.Command, *string, *[]sr.Param)) *cobra.Command {
	cmd := &cobra.Command{Use: name, Short: "Get, set or delete the " + what, Example: example}
	path := func(args []string) string {
		if len(args) == 1 {
			return "/" + name + "/" + url.PathEscape(args[0])
		}
		return "/" + name
	}
	var toGlobal bool
	get := &cobra.Command{
		Use: "get [SUBJECT]", Short: "Print the " + name + " (the global one without SUBJECT)", Args: cobra.MaximumNArgs(1),
		Example: "  srctl " + name + " get\n  srctl " + name + " get orders-value --default-to-global\n  srctl " + name + " get :.staging:",
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.client()
			if err != nil {
				return err
			}
			var params []sr.Param
			if toGlobal {
				params = append(params, sr.DefaultToGlobal)
			}
			raw, err := call(cmd.Context(), cl, "GET", path(args), nil, params...)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), raw)
		},
	}
	get.Flags().BoolVar(&toGlobal, "default-to-global", false, "the "+name+" that applies, when the subject has none of its own")
	var body string
	var setParams []sr.Param
	set := &cobra.Command{
		Use: "set [SUBJECT]", Short: "Set the " + name + " (the global one without SUBJECT)", Args: cobra.MaximumNArgs(1),
		Example: example,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.client()
			if err != nil {
				return err
			}
			raw, err := call(cmd.Context(), cl, "PUT", path(args), json.RawMessage(body), setParams...)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), raw)
		},
	}
	set.Flags().StringVar(&body, "body", "", "the request body as JSON, for fields without a flag")
	setFlags(set, &body, &setParams)
	del := &cobra.Command{
		Use: "delete [SUBJECT]", Short: "Delete the " + name + " (back to the one it inherits)", Args: cobra.MaximumNArgs(1),
		Example: "  srctl " + name + " delete orders-value",
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.client()
			if err != nil {
				return err
			}
			raw, err := call(cmd.Context(), cl, "DELETE", path(args), nil)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), raw)
		},
	}
	cmd.AddCommand(get, set, del)
	return cmd
}

func newDelete(g *globals) *cobra.Command {
	var (
		version        string
		permanent, yes bool
	)
	cmd := &cobra.Command{
		Use:   "delete SUBJECT [--version N] [--permanent] [--yes]",
		Short: "Delete a subject or one of its versions (soft, or --permanent)",
		Long: `delete soft-deletes a subject (or one version); --permanent then deletes it for good, as
the registry asks (a soft delete first). It asks for confirmation on the terminal unless
--yes is given.`,
		Example: `  srctl delete orders-value --version 3
  srctl delete orders-value --permanent --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			subject := args[0]
			what := "subject " + subject
			path := subjectPath(subject)
			if version != "" {
				what = fmt.Sprintf("version %s of %s", version, subject)
				path += "/versions/" + url.PathEscape(version)
			}
			if permanent {
				what += " permanently"
			}
			if !yes {
				fmt.Fprintf(cmd.ErrOrStderr(), "Delete %s? [y/N] ", what)
				answer, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return errors.New("not deleted: not confirmed (give --yes to delete without asking)")
				}
			}
			cl, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			raw, err := call(ctx, cl, "DELETE", path, nil)
			if err != nil && !(permanent && alreadySoftDeleted(err)) {
				return err
			}
			if permanent {
				if raw, err = call(ctx, cl, "DELETE", path, nil, sr.RawParams(url.Values{"permanent": {"true"}})); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %s: %s\n", what, strings.TrimSpace(string(raw)))
			return nil
		},
	}
	cmd.Flags().StringVar(&version, "version", "", "delete only this version (a number or latest)")
	cmd.Flags().BoolVar(&permanent, "permanent", false, "delete for good (hard delete)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// alreadySoftDeleted reports the 40404/40406 answers of a soft delete of
// what is soft-deleted already.
func alreadySoftDeleted(err error) bool {
	s := err.Error()
	return strings.Contains(s, "(error 40404)") || strings.Contains(s, "(error 40406)")
}
