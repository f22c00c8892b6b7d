package test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeWalkthrough runs the curl commands of the README's walkthrough
// verbatim (only the host is pointed at the test's registry).
func TestReadmeWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	section = section[strings.Index(section, "## Walkthrough"):]
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(section)
	if block == nil {
		t.Fatal("no sh block in the README walkthrough")
	}
	var cmds []string
	for _, line := range strings.Split(block[1], "\n") {
		if strings.HasPrefix(line, "curl ") {
			cmds = append(cmds, line)
		}
	}
	if len(cmds) != 4 {
		t.Fatalf("walkthrough has %d curl commands, want 4", len(cmds))
	}
	n := start(t, t.TempDir())
	want := [][]string{
		{`"id":1,`, `"version":1,`}, // my_topic-key
		{`"id":1,`, `"version":1,`}, // my_topic-value: the same schema, the same id
		{`"schema":"\"string\""`},
		{`{"compatibility":"NONE"}`},
	}
	for i, c := range cmds {
		c = strings.ReplaceAll(c, "http://localhost:8081", n.URL)
		out, err := exec.Command("sh", "-c", c+" -s -w ' HTTP %{http_code}'").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
		for _, w := range want[i] {
			if !strings.Contains(string(out), w) || !strings.HasSuffix(string(out), " HTTP 200") {
				t.Errorf("%s\n got %s\n want it to contain %s and end with HTTP 200", cmds[i], out, w)
			}
		}
	}
}
