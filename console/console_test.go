package console

import (
	"strings"
	"testing"
)

func TestPageNamesItsBase(t *testing.T) {
	p := string(Page("/tools/ui"))
	for _, want := range []string{`data-base="/tools/ui"`, `href="/tools/ui/assets/style.css"`, `src="/tools/ui/assets/app.js"`} {
		if !strings.Contains(p, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(p, "{{BASE}}") {
		t.Error("a placeholder is left in the page")
	}
	if p := string(Page(`/a"b`)); strings.Contains(p, `"/a"b`) {
		t.Error("a base is not escaped in the page")
	}
}

func TestAssets(t *testing.T) {
	names := Assets()
	for _, want := range []string{"app.js", "lib.js", "pages.js", "view.js", "style.css", "icon.svg"} {
		a, ok := Lookup(want)
		if !ok || len(a.Body) == 0 || a.ETag == "" || a.ContentType == "" {
			t.Errorf("%s: %+v", want, ok)
		}
	}
	if _, ok := Lookup("index.html"); ok {
		t.Error("index.html is served as an asset: Page serves it, with its base")
	}
	if strings.Join(names, " ") != "app.js icon.svg lib.js pages.js style.css view.js" {
		t.Errorf("assets: %v", names)
	}
	for name, ct := range map[string]string{"app.js": "javascript", "style.css": "text/css", "icon.svg": "image/svg+xml"} {
		if a, _ := Lookup(name); !strings.Contains(a.ContentType, ct) {
			t.Errorf("%s: Content-Type %s", name, a.ContentType)
		}
	}
}
