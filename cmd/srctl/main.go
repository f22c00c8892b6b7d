// Command srctl is a command-line tool for schema registries that speak the
// Confluent REST API (this one, Confluent's, Karapace, Redpanda's,
// Apicurio's compatible API): compatibility checks in CI, offline or
// against a registry, registration, downloads, diffs, config and mode,
// deletes, and export, import and migration keeping ids.
//
// Exit codes: 0 success (compatible, valid), 1 a negative answer
// (incompatible, invalid, differences found), 2 an error.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK       = 0
	exitNegative = 1 // incompatible, invalid
	exitError    = 2
)

// negativeError is a negative answer: printed already, exit code 1.
type negativeError struct{ msg string }

func (e *negativeError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:]))
}

// run runs the command line and returns the exit code.
func run(args []string) int {
	root := newRoot()
	root.SetArgs(args)
	err := root.Execute()
	var neg *negativeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &neg):
		return exitNegative
	default:
		fmt.Fprintln(os.Stderr, "srctl:", err)
		return exitError
	}
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "srctl",
		Short: "Work with a schema registry (Confluent REST API) from a shell or a CI pipeline",
		Long: `srctl checks, registers, downloads, diffs, exports, imports and migrates schemas
against any registry that speaks the Confluent Schema Registry REST API, and checks
compatibility offline with the same engine as this registry (Confluent's verdicts
and messages).

Exit codes: 0 success (compatible, valid), 1 a negative answer (incompatible,
invalid), 2 an error (bad input, registry unreachable).`,
		Example: `  srctl check --local old.avsc new.avsc
  srctl --url http://localhost:8081 check --subject orders-value schemas/order.avsc
  srctl --url http://localhost:8081 export -f backup.jsonl`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return g.checkOutput()
		},
	}
	g.flags(root)
	root.AddCommand(
		newCheck(g), newValidate(g), newRegister(g), newGet(g), newDownload(g), newDiff(g),
		newConfig(g), newMode(g), newDelete(g), newExport(g), newImport(g), newMigrate(g),
	)
	return root
}
