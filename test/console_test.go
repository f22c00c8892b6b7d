package test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/schemaregistry/registry/internal/testvectors"
	"github.com/schemaregistry/registry/internal/testwait"
)

// The console's browser tests: the built binary with BASIC authentication,
// seeded through the REST API, and the pages driven in headless Chromium
// (the OS's chromium package) by chromedp. Plain `go test` skips them when
// no Chromium is installed; SR_TEST_BROWSER=1 (.ci/run) makes them
// mandatory. Screenshots go to $SR_ARTIFACTS/console ($SR_ARTIFACTS is
// test-artifacts by default; a relative one is from the repository's top).

const (
	consoleReader, consoleReaderPW = "rita", "rita-secret" // role reader
	consoleAdmin, consoleAdminPW   = "adam", "adam-secret" // role admin
)

// maxPageAssetBytes bounds what one page load transfers of the console's
// own files (the page and its assets; not the JSON answers).
const maxPageAssetBytes = 200 << 10

// chromiumPath finds the OS's Chromium, or skips (fails under
// SR_TEST_BROWSER=1).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("SR_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (chromium, chromium-browser, google-chrome or $SR_CHROMIUM): the console's browser tests need it (Debian: apt-get install -y chromium); .ci/run installs it"
	if os.Getenv("SR_TEST_BROWSER") != "" {
		t.Fatal(msg)
	}
	testvectors.Announce("console-browser", "CONSOLE BROWSER TESTS SKIPPED (github.com/schemaregistry/registry/test): "+msg)
	t.Skip(msg + " (SR_TEST_BROWSER=1 fails instead)")
	return ""
}

// consoleRegistry is the binary with BASIC authentication and two users,
// seeded with subjects of the three types, references, a context and
// enough subjects for several pages.
type consoleRegistry struct {
	*node
}

func startConsoleRegistry(t *testing.T) *consoleRegistry {
	t.Helper()
	dir := t.TempDir()
	users := filepath.Join(dir, "users.properties")
	if err := os.WriteFile(users, fmt.Appendf(nil, "%s: %s,reader\n%s: %s,admin\n", consoleReader, consoleReaderPW, consoleAdmin, consoleAdminPW), 0o600); err != nil {
		t.Fatal(err)
	}
	n := start(t, filepath.Join(dir, "data"),
		srEnv("AUTHENTICATION_METHOD", "BASIC"),
		srEnv("AUTHENTICATION_REALM", "SchemaRegistry"),
		srEnv("AUTHENTICATION_USERS_FILE", users),
		srEnv("AUTHORIZATION_READ_ROLES", "reader"),
		srEnv("AUTHORIZATION_ADMIN_ROLES", "admin"),
	)
	r := &consoleRegistry{node: n}
	r.seed(t)
	return r
}

// do sends a request as the admin and returns the status and body.
func (r *consoleRegistry) do(t *testing.T, method, path, body, user, password string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (r *consoleRegistry) register(t *testing.T, subject, schemaType, schema, refs string) {
	t.Helper()
	body := fmt.Sprintf(`{"schemaType":%q,"schema":%q`, schemaType, schema)
	if refs != "" {
		body += `,"references":` + refs
	}
	if code, b := r.do(t, "POST", "/subjects/"+subject+"/versions", body+"}", consoleAdmin, consoleAdminPW); code != 200 {
		t.Fatalf("register %s: %d %s", subject, code, b)
	}
}

const (
	ordersV1 = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"}]}`
	ordersV2 = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"note","type":"string","default":""}]}`
	// ordersV3 is what the user flow pastes and registers.
	ordersV3 = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"note","type":"string","default":""},{"name":"total","type":"double","default":0}]}`
)

func (r *consoleRegistry) seed(t *testing.T) {
	r.register(t, "orders-value", "AVRO", ordersV1, "")
	r.register(t, "orders-value", "AVRO", ordersV2, "")
	r.register(t, "customers-value", "JSON", `{"type":"object","properties":{"name":{"type":"string"}}}`, "")
	// An incompatible second version: the diff page shows why.
	if code, b := r.do(t, "PUT", "/config/customers-value", `{"compatibility":"NONE"}`, consoleAdmin, consoleAdminPW); code != 200 {
		t.Fatalf("config: %d %s", code, b)
	}
	r.register(t, "customers-value", "JSON", `{"type":"object","properties":{"name":{"type":"string","maxLength":20},"age":{"type":"integer"}}}`, "")
	r.register(t, "payments-value", "PROTOBUF", "syntax = \"proto3\";\npackage shop;\n\n// A payment.\nmessage Payment {\n  string id = 1;\n  int64 cents = 2;\n}\n", "")
	r.register(t, "payments-value", "PROTOBUF", "syntax = \"proto3\";\npackage shop;\n\n// A payment.\nmessage Payment {\n  string id = 1;\n  int64 cents = 2;\n  string currency = 3;\n}\n", "")
	r.register(t, "address", "AVRO", `{"type":"record","name":"Address","namespace":"shop","fields":[{"name":"city","type":"string"}]}`, "")
	r.register(t, "person-value", "AVRO", `{"type":"record","name":"Person","namespace":"shop","fields":[{"name":"home","type":"shop.Address"}]}`,
		`[{"name":"shop.Address","subject":"address","version":1}]`)
	r.register(t, ":.staging:orders-value", "AVRO", ordersV1, "")
	for i := range 120 {
		r.register(t, fmt.Sprintf("topic-%03d-value", i), "AVRO", fmt.Sprintf(`{"type":"record","name":"T%d","fields":[{"name":"a","type":"int"}]}`, i), "")
	}
	r.register(t, "retired-value", "AVRO", `{"type":"enum","name":"Retired","symbols":["A"]}`, "")
	if code, b := r.do(t, "DELETE", "/subjects/retired-value", "", consoleAdmin, consoleAdminPW); code != 200 {
		t.Fatalf("soft delete: %d %s", code, b)
	}
}

// browser is one headless Chromium tab that records what a user would see
// go wrong: console errors, exceptions, failed requests and error answers.
type browser struct {
	t        *testing.T
	ctx      context.Context
	base     string
	mu       sync.Mutex
	problems []string
	assets   map[network.RequestID]string // console files requested, by request
	bytes    int64                        // console file bytes received since the last reset
}

// newBrowser opens a tab that sends user's credentials with every request,
// as a browser does once its user has answered the sign-in prompt.
func newBrowser(t *testing.T, reg *consoleRegistry, user, password string, width, height int) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.WindowSize(width, height),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf)) // cdproto lags Chromium: its unknown events are logged, not errors
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: reg.URL + "/ui/", assets: map[network.RequestID]string{}}
	chromedp.ListenTarget(ctx, b.listen)
	headers := network.Headers{}
	if user != "" {
		headers["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	if err := chromedp.Run(ctx, network.Enable(), cdplog.Enable(), runtime.Enable(),
		// A window is at least 500 pixels wide: a phone's screen is emulated.
		chromedp.EmulateViewport(int64(width), int64(height)),
		network.SetCacheDisabled(true),
		network.SetExtraHTTPHeaders(headers)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

func (b *browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.problems = append(b.problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.problems = append(b.problems, "exception: "+msg)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.LevelError {
			b.problems = append(b.problems, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		if strings.HasPrefix(ev.Request.URL, b.base) && !strings.HasPrefix(ev.Request.URL, b.base+"api/") {
			b.assets[ev.RequestID] = ev.Request.URL
		}
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 {
			b.problems = append(b.problems, fmt.Sprintf("answer %d for %s", ev.Response.Status, ev.Response.URL))
		}
	case *network.EventLoadingFailed:
		b.problems = append(b.problems, "request failed: "+ev.ErrorText+" "+b.assets[ev.RequestID])
	case *network.EventLoadingFinished:
		if _, ok := b.assets[ev.RequestID]; ok {
			b.bytes += int64(ev.EncodedDataLength)
		}
	}
}

// open loads the console afresh at a fragment and waits for the page.
func (b *browser) open(fragment, page string) {
	b.t.Helper()
	b.mu.Lock()
	b.bytes = 0
	b.mu.Unlock()
	// From a blank page: a fragment change alone would not load anything.
	b.run(chromedp.Navigate("about:blank"), chromedp.Navigate(b.base+fragment))
	b.waitPage(page)
}

// waitPage waits until the console shows page (the main element's
// data-page, set once rendered).
func (b *browser) waitPage(page string) {
	b.t.Helper()
	b.run(chromedp.WaitVisible(fmt.Sprintf(`main[data-ready="1"][data-page=%q]`, page), chromedp.ByQuery))
}

func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v (problems so far: %v)", err, b.seen())
	}
}

func (b *browser) seen() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// clean fails the test with what went wrong in the browser since the last
// call, if anything.
func (b *browser) clean(what string) {
	b.t.Helper()
	time.Sleep(100 * time.Millisecond) // let late events arrive: not a timing assertion
	// What a script shows by mistake: a value it did not have.
	var slips []string
	b.run(chromedp.Evaluate(`(document.querySelector('main').innerText.match(/\bundefined\b|\bNaN\b|\[object \w+\]|^null$/gm) || [])`, &slips))
	if len(slips) > 0 {
		b.t.Errorf("%s: the page shows %q", what, slips)
	}
	b.mu.Lock()
	problems := b.problems
	b.problems = nil
	b.mu.Unlock()
	if len(problems) > 0 {
		b.t.Errorf("%s: %d problem(s) in the browser:\n  %s", what, len(problems), strings.Join(problems, "\n  "))
	}
}

// text returns the text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// count returns how many elements match a CSS selector (visible or not).
func (b *browser) count(sel string) int {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n))
	return n
}

// visibleCount returns how many elements matching sel are displayed.
func (b *browser) visibleCount(sel string) int {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(fmt.Sprintf(`[...document.querySelectorAll(%q)].filter(e => e.offsetParent !== null).length`, sel), &n))
	return n
}

// waitText waits until the element sel holds want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	b.run(chromedp.Poll(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.includes(%q); })()`, sel, want), nil,
		chromedp.WithPollingTimeout(20*time.Second)))
}

// unlabelled lists the controls a screen reader would announce without a
// name: no label, no aria-label and no text.
func (b *browser) unlabelled() []string {
	b.t.Helper()
	var out []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
		.filter(e => e.offsetParent !== null && !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
		.map(e => e.outerHTML.slice(0, 80))`, &out))
	return out
}

// screenshot writes the page as name.png to the artifacts directory.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	var png []byte
	b.run(chromedp.FullScreenshot(&png, 100))
	dir := os.Getenv("SR_ARTIFACTS")
	if dir == "" {
		dir = "test-artifacts"
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // from the repository's top, not test/
	}
	dir = filepath.Join(dir, "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	return abs
}

func (b *browser) assetBytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bytes
}

// TestConsolePages loads every page as the admin, light and dark, wide
// and narrow: none logs an error or fails a request, none transfers more
// than 200 KB of the console's files, and each leaves a screenshot.
func TestConsolePages(t *testing.T) {
	chromiumPath(t)
	reg := startConsoleRegistry(t)
	pages := []struct {
		name, fragment, page, expect string
	}{
		{"subjects", "#/", "subjects", "orders-value"},
		{"subject", "#/subject/person-value", "subject", "shop.Address"},
		{"subject-deleted", "#/subject/retired-value?deleted=true", "subject", "Delete permanently"},
		{"schema-avro", "#/schema/orders-value/2", "schema", "Order"},
		{"schema-json", "#/schema/customers-value/2", "schema", "maxLength"},
		{"schema-protobuf", "#/schema/payments-value/2", "schema", "currency"},
		{"diff", "#/diff/customers-value?from=1&to=2", "diff", "MAX_LENGTH_ADDED"},
		{"check", "#/check?subject=orders-value", "check", "Compatibility check"},
		{"lookup", "#/lookup/1", "lookup", "orders-value"},
		{"status", "#/status", "status", "primary"},
	}
	_, v1 := reg.do(t, "GET", "/subjects/orders-value/versions/1", "", consoleAdmin, consoleAdminPW)
	var version struct{ GUID string }
	if err := json.Unmarshal([]byte(v1), &version); err != nil || version.GUID == "" {
		t.Fatalf("orders-value v1: %v %s", err, v1)
	}
	pages = append(pages, struct{ name, fragment, page, expect string }{"lookup-guid", "#/lookup/" + version.GUID, "lookup", "orders-value"})
	for _, theme := range []string{"light", "dark"} {
		b := newBrowser(t, reg, consoleAdmin, consoleAdminPW, 1280, 900)
		b.run(chromedp.Navigate(b.base), chromedp.Evaluate(fmt.Sprintf(`localStorage.setItem('sr-console-theme', %q)`, theme), nil))
		for _, p := range pages {
			b.open(p.fragment, p.page)
			b.waitText("main", p.expect)
			b.clean(p.name + " (" + theme + ")")
			if unlabelled := b.unlabelled(); len(unlabelled) > 0 {
				t.Errorf("%s: controls without a label: %v", p.name, unlabelled)
			}
			if n := b.assetBytes(); n > maxPageAssetBytes {
				t.Errorf("%s: the console's files weigh %d bytes, over %d", p.name, n, maxPageAssetBytes)
			} else {
				t.Logf("%s (%s): %d bytes of the console's files", p.name, theme, n)
			}
			name := p.name
			if theme == "dark" {
				name += "-dark"
			}
			t.Logf("screenshot of %s: %s", p.name, b.screenshot(name))
		}
	}
	narrow := newBrowser(t, reg, consoleAdmin, consoleAdminPW, 390, 844)
	for _, p := range []struct{ name, fragment, page, expect string }{
		{"subjects-narrow", "#/", "subjects", "orders-value"},
		{"diff-narrow", "#/diff/payments-value?from=1&to=2", "diff", "FIELD_ADDED"},
	} {
		narrow.open(p.fragment, p.page)
		narrow.waitText("main", p.expect)
		narrow.clean(p.name)
		var overflow bool
		narrow.run(chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow))
		if overflow {
			t.Errorf("%s: the page is wider than a 390-pixel screen", p.name)
		}
		t.Logf("screenshot of %s: %s", p.name, narrow.screenshot(p.name))
	}
}

// TestConsoleUserFlow is a user's way through by clicks: search, open the
// subject, compare its versions, check a new version, register it.
func TestConsoleUserFlow(t *testing.T) {
	chromiumPath(t)
	reg := startConsoleRegistry(t)
	b := newBrowser(t, reg, consoleAdmin, consoleAdminPW, 1280, 900)
	b.open("#/", "subjects")
	if got := b.text("#range"); !strings.Contains(got, "of 126") {
		t.Errorf("subject count: %q, want 126 live subjects", got)
	}
	// Next page, by the keyboard's ].
	b.run(chromedp.Evaluate(`document.activeElement.blur()`, nil), chromedp.KeyEvent("]"))
	b.waitText("#range", "51–100 of 126")

	// By the keyboard: / to the search box, a name, down to the first row.
	// The page cancels the "/" key: sent as a bare key down and up (chromedp's
	// KeyEvent adds a character event of its own, which a browser would not
	// send after a cancelled key down).
	b.run(input.DispatchKeyEvent(input.KeyRawDown).WithKey("/").WithCode("Slash").WithWindowsVirtualKeyCode(191),
		input.DispatchKeyEvent(input.KeyUp).WithKey("/").WithCode("Slash").WithWindowsVirtualKeyCode(191),
		chromedp.KeyEvent("orders"))
	b.waitText("#range", "1–2 of 2") // orders-value and the staging context's
	b.run(chromedp.SetValue("#f-context", ".", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#f-context').dispatchEvent(new Event('change'))`, nil))
	b.waitText("#range", "1–1 of 1")
	b.run(chromedp.Focus("#f-q", chromedp.ByQuery), chromedp.KeyEvent(kb.ArrowDown))
	var focused string
	b.run(chromedp.Evaluate(`document.activeElement.getAttribute('href')`, &focused))
	if focused != "#/subject/orders-value" {
		t.Errorf("down from the search box focuses %q, want the first row's link", focused)
	}
	b.run(chromedp.Click(`#subjects a[href="#/subject/orders-value"]`, chromedp.ByQuery))
	b.waitPage("subject")
	if got := b.count("#versions tbody tr"); got != 2 {
		t.Errorf("orders-value shows %d versions, want 2", got)
	}

	b.run(chromedp.Click("#compare", chromedp.ByQuery))
	b.waitPage("diff")
	for _, level := range []string{"BACKWARD", "FORWARD", "FULL"} {
		if got := b.text(fmt.Sprintf(`#verdicts li[data-level=%q]`, level)); !strings.Contains(got, "compatible") {
			t.Errorf("verdict at %s: %q", level, got)
		}
	}
	if got := b.text("#diff-text"); !strings.Contains(got, `"note"`) {
		t.Errorf("the diff does not show the added field: %q", got)
	}

	b.run(chromedp.Click("#check-link", chromedp.ByQuery))
	b.waitPage("check")
	b.waitText("#c-subject-level", "BACKWARD")
	// An incompatible change first: its reasons, Confluent's verbose messages.
	b.run(chromedp.SetValue("#c-schema", `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"}]}`, chromedp.ByQuery),
		chromedp.Click("#c-check", chromedp.ByQuery))
	b.waitText("#c-verdict", "Incompatible")
	if got := b.text("#c-messages"); !strings.Contains(got, "TYPE_MISMATCH") || !strings.Contains(got, "compatibility: 'BACKWARD'") {
		t.Errorf("messages: %q", got)
	}
	// At a level picked for the check, the subject's config untouched.
	b.run(chromedp.SetValue("#c-level", "NONE", chromedp.ByQuery), chromedp.Click("#c-check", chromedp.ByQuery))
	b.waitText("#c-verdict", "Compatible")
	b.run(chromedp.SetValue("#c-level", "", chromedp.ByQuery),
		chromedp.SetValue("#c-schema", ordersV3, chromedp.ByQuery), chromedp.Click("#c-check", chromedp.ByQuery))
	b.waitText("#c-verdict", "Compatible")
	b.run(chromedp.Click("#c-register", chromedp.ByQuery))
	b.waitText("#c-registered", "version 3")
	b.clean("user flow")
	t.Logf("screenshot of the registration: %s", b.screenshot("flow-registered"))

	// The registered id in the lookup box, then its version's forms.
	var id string
	b.run(chromedp.Evaluate(`document.querySelector('#c-registered').textContent.match(/id (\d+)/)[1]`, &id))
	b.run(chromedp.SendKeys("#lookup-input", id, chromedp.ByQuery), chromedp.Click("#lookup button", chromedp.ByQuery))
	b.waitPage("lookup")
	b.run(chromedp.Click(`#holders a[href="#/schema/orders-value/3"]`, chromedp.ByQuery))
	b.waitPage("schema")
	b.waitText("pre.code", `"total"`)
	b.run(chromedp.Click(`button[data-form="normalized"]`, chromedp.ByQuery))
	b.waitText("pre.code", `"shop.Order"`) // the normalized form qualifies the name
	// Copy, and download into a directory of the test's.
	b.run(chromedp.Click("#copy", chromedp.ByQuery))
	b.waitText("#toast", "Copied")
	downloads := t.TempDir()
	b.run(cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads),
		chromedp.Click("#download", chromedp.ByQuery))
	file := filepath.Join(downloads, "orders-value-v3.normalized.avsc")
	testwait.UntilDetail(t, 20*time.Second, "the download "+file, func() (bool, string) {
		got, err := os.ReadFile(file)
		return err == nil && strings.Contains(string(got), `"shop.Order"`), string(got)
	})
	b.clean("lookup, forms, copy and download")

	if code, body := reg.do(t, "GET", "/subjects/orders-value/versions/3", "", consoleReader, consoleReaderPW); code != 200 || !strings.Contains(body, "total") {
		t.Errorf("version 3 over REST: %d %s", code, body)
	}
	if code, body := reg.do(t, "GET", "/config/orders-value?defaultToGlobal=true", "", consoleReader, consoleReaderPW); !strings.Contains(body, "BACKWARD") {
		t.Errorf("the check at NONE changed the config: %d %s", code, body)
	}
}

// TestConsoleReader: a user of the read role sees no control that
// changes the registry, and the server refuses the changes anyway.
func TestConsoleReader(t *testing.T) {
	chromiumPath(t)
	reg := startConsoleRegistry(t)
	b := newBrowser(t, reg, consoleReader, consoleReaderPW, 1280, 900)
	b.open("#/subject/orders-value", "subject")
	if got := b.text("#who"); !strings.Contains(got, consoleReader+" · read") {
		t.Errorf("who: %q", got)
	}
	b.waitText("#current-level", "BACKWARD")
	for _, sel := range []string{"#set-level", "#save-level", "#set-mode", "#save-mode", "#clear-level", "#delete-subject", "#hard-delete-subject", "[data-action]", "button.danger"} {
		if n := b.count(sel); n != 0 {
			t.Errorf("a reader sees %d of %s", n, sel)
		}
	}
	b.clean("reader's subject page")
	t.Logf("screenshot of the reader's subject page: %s", b.screenshot("subject-reader"))
	b.open("#/check?subject=orders-value", "check")
	if n := b.visibleCount("#c-register"); n != 0 {
		t.Errorf("a reader sees the Register button")
	}
	b.clean("reader's check page")
	// A reader may check; the references of the latest version come along.
	b.open("#/check?subject=person-value", "check")
	b.run(chromedp.Poll(`document.querySelector('#c-refs').value.includes('shop.Address')`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Click("#c-check", chromedp.ByQuery))
	b.waitText("#c-verdict", "Compatible")
	b.clean("reader's check with references")
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/config/orders-value", `{"compatibility":"NONE"}`},
		{"DELETE", "/subjects/orders-value", ""},
		{"POST", "/subjects/orders-value/versions", fmt.Sprintf(`{"schema":%q}`, ordersV3)},
	} {
		if code, body := reg.do(t, c.method, c.path, c.body, consoleReader, consoleReaderPW); code != http.StatusForbidden {
			t.Errorf("reader %s %s: %d %s, want 403", c.method, c.path, code, body)
		}
	}
}

// TestConsoleAdminEditsConfig: the admin sets a subject's level and mode
// on its page, sees them shown, and the REST API answers them; then the
// admin soft-deletes a version after confirming.
func TestConsoleAdminEditsConfig(t *testing.T) {
	chromiumPath(t)
	reg := startConsoleRegistry(t)
	b := newBrowser(t, reg, consoleAdmin, consoleAdminPW, 1280, 900)
	b.open("#/subject/orders-value", "subject")
	b.run(chromedp.SetValue("#set-level", "FULL_TRANSITIVE", chromedp.ByQuery), chromedp.Click("#save-level", chromedp.ByQuery))
	b.waitText("#current-level", "FULL_TRANSITIVE")
	b.run(chromedp.SetValue("#set-mode", "READONLY", chromedp.ByQuery), chromedp.Click("#save-mode", chromedp.ByQuery))
	b.waitText("#current-mode", "READONLY")
	if _, body := reg.do(t, "GET", "/config/orders-value", "", consoleAdmin, consoleAdminPW); !strings.Contains(body, `"compatibilityLevel":"FULL_TRANSITIVE"`) {
		t.Errorf("config over REST: %s", body)
	}
	if _, body := reg.do(t, "GET", "/mode/orders-value", "", consoleAdmin, consoleAdminPW); !strings.Contains(body, `"READONLY"`) {
		t.Errorf("mode over REST: %s", body)
	}
	b.clean("config edit")
	t.Logf("screenshot of the edited subject: %s", b.screenshot("subject-admin-edited"))

	// Back to READWRITE, then a soft delete of version 1 after the dialog.
	b.run(chromedp.SetValue("#set-mode", "READWRITE", chromedp.ByQuery), chromedp.Click("#save-mode", chromedp.ByQuery))
	b.waitText("#current-mode", "READWRITE")
	b.run(chromedp.Click(`#versions tr:last-child [data-action="delete-version"]`, chromedp.ByQuery))
	b.run(chromedp.WaitVisible("dialog[open] #dlg-yes", chromedp.ByQuery))
	t.Logf("screenshot of the confirmation: %s", b.screenshot("delete-confirmation"))
	b.run(chromedp.Click("#dlg-yes", chromedp.ByQuery))
	b.waitText("#versions", "Delete permanently")
	b.waitPage("subject")
	if got := b.count("#versions tr.deleted"); got != 1 {
		t.Errorf("deleted versions shown: %d, want 1", got)
	}
	b.clean("version delete")
	if code, body := reg.do(t, "GET", "/subjects/orders-value/versions", "", consoleAdmin, consoleAdminPW); code != 200 || body != "[2]" {
		t.Errorf("versions after the delete: %d %s", code, body)
	}

	// Then permanently, after the dialog again.
	b.run(chromedp.Click(`#versions [data-action="hard-delete-version"]`, chromedp.ByQuery),
		chromedp.WaitVisible("dialog[open] #dlg-yes", chromedp.ByQuery), chromedp.Click("#dlg-yes", chromedp.ByQuery))
	b.waitText("#toast", "permanently deleted")
	b.waitPage("subject")
	if got := b.count("#versions tbody tr"); got != 1 {
		t.Errorf("versions shown after the permanent delete: %d, want 1", got)
	}
	b.clean("permanent version delete")
	if code, body := reg.do(t, "GET", "/subjects/orders-value/versions?deleted=true", "", consoleAdmin, consoleAdminPW); code != 200 || body != "[2]" {
		t.Errorf("versions with deleted ones after the permanent delete: %d %s", code, body)
	}
}

// answerPrompts answers the browser's credentials prompts as a user
// would: with user's credentials, or cancelled when user is "".
func (b *browser) answerPrompts(user, password string) {
	b.t.Helper()
	chromedp.ListenTarget(b.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *fetch.EventRequestPaused:
			go chromedp.Run(b.ctx, fetch.ContinueRequest(ev.RequestID))
		case *fetch.EventAuthRequired:
			answer := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseCancelAuth}
			if user != "" {
				answer = &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseProvideCredentials, Username: user, Password: password}
			}
			go chromedp.Run(b.ctx, fetch.ContinueWithAuth(ev.RequestID, answer))
		}
	})
	b.run(fetch.Enable().WithHandleAuthRequests(true))
}

// forget drops what the browser saw so far: the 401 that makes a browser
// ask for credentials is expected.
func (b *browser) forget() {
	b.mu.Lock()
	b.problems = nil
	b.mu.Unlock()
}

// TestConsoleSignIn: a caller without credentials is asked for them,
// by the browser's prompt (Basic), or by the page's form when the prompt
// is cancelled; either way the console then shows the user's rights.
func TestConsoleSignIn(t *testing.T) {
	chromiumPath(t)
	reg := startConsoleRegistry(t)

	prompted := newBrowser(t, reg, "", "", 1280, 900)
	prompted.answerPrompts(consoleReader, consoleReaderPW)
	prompted.open("#/subject/orders-value", "subject")
	prompted.waitText("#who", consoleReader+" · read")
	prompted.forget()

	b := newBrowser(t, reg, "", "", 1280, 900)
	b.answerPrompts("", "")
	b.open("#/subject/orders-value", "signIn")
	b.forget()
	t.Logf("screenshot of the sign-in form: %s", b.screenshot("sign-in"))
	b.run(chromedp.SendKeys("#si-user", consoleReader, chromedp.ByQuery), chromedp.SendKeys("#si-pass", consoleReaderPW, chromedp.ByQuery),
		chromedp.Click("main button[type=submit]", chromedp.ByQuery))
	b.waitPage("subject")
	b.waitText("#who", consoleReader+" · read")
	if n := b.count("#save-level"); n != 0 {
		t.Errorf("a reader signed in through the form sees the config controls")
	}
	b.clean("signed in")
}
