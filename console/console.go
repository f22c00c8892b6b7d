package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html"
	"io/fs"
	"mime"
	"path"
	"sort"
	"strings"
)

//go:embed static
var static embed.FS

// Asset is one embedded file as served.
type Asset struct {
	Name        string // path under the assets directory, e.g. "app.js"
	Body        []byte
	ContentType string
	ETag        string // quoted, strong
}

var assets = func() map[string]Asset {
	out := map[string]Asset{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[name] = Asset{Name: name, Body: b, ContentType: ct, ETag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("console: reading the embedded assets: " + err.Error()) // a build defect, caught by the tests
	}
	return out
}()

// Lookup returns the embedded asset named name (relative to the assets
// directory), false when there is none. index.html is not an asset: Page
// serves it.
func Lookup(name string) (Asset, bool) {
	if name == "index.html" {
		return Asset{}, false
	}
	a, ok := assets[name]
	return a, ok
}

// Assets lists the asset names, sorted.
func Assets() []string {
	out := make([]string, 0, len(assets))
	for name := range assets {
		if name != "index.html" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Page returns the console's single HTML page for a console mounted at
// base (e.g. "/ui"): every link and request of the page is relative to it.
func Page(base string) []byte {
	b := string(assets["index.html"].Body)
	return []byte(strings.ReplaceAll(b, "{{BASE}}", html.EscapeString(base)))
}
