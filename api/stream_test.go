package api

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/store"
)

// An array written as it is encoded has the bytes encodeJSON gives the
// whole list, whatever its strings hold and wherever the buffer fills.
func TestArrayWriterBytes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "subject-value", "<&>", `"`, `\`, "\n", "\x00", "\x1f", "é", "\u2028", "\u2029", "\xff", "\xc3", "😀", " ", "~", "\x7f", ":.ctx:"}
	for round := range 200 {
		n := rnd.IntN(50)
		if round%20 == 0 {
			n = 5000 // past the buffer
		}
		list := make([]string, n)
		for i := range list {
			var b strings.Builder
			for range rnd.IntN(12) {
				b.WriteString(pieces[rnd.IntN(len(pieces))])
			}
			list[i] = b.String()
		}
		var out bytes.Buffer
		aw := newArrayWriter(&out)
		for _, s := range list {
			aw.string(s)
		}
		aw.close()
		if want := encodeJSON(list); !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("round %d: %d strings\n got %.300q\nwant %.300q", round, n, out.Bytes(), want)
		}
		values := make([]schemaJSON, n%40)
		for i := range values {
			deleted := i%3 == 0
			values[i] = schemaJSON{Subject: list[i], Version: i, ID: i * 7, Schema: list[len(list)-1-i], Deleted: &deleted}
		}
		out.Reset()
		aw = newArrayWriter(&out)
		for _, v := range values {
			aw.value(v)
		}
		aw.close()
		if want := encodeJSON(values); !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("round %d: %d schemas\n got %.300q\nwant %.300q", round, len(values), out.Bytes(), want)
		}
	}
}

// GET /subjects and GET /schemas answer what encodeJSON makes of the
// store's lists, unpaged (streamed over many buffers) and paged.
func TestStreamedListings(t *testing.T) {
	defer func(n int) { maxCachedPage = n }(maxCachedPage)
	maxCachedPage = 40 << 10 // pages over two buffers are not kept
	s := newServer(t)
	s.expect("PUT", "/config", `{"compatibility":"NONE"}`, 200, "")
	for i := range 1200 {
		subject := fmt.Sprintf("subject-%04d-with-a-rather-long-name-<&>-value", i)
		if i%7 == 0 {
			subject = fmt.Sprintf(":.ctx:s%d-é", i)
		}
		s.expect("POST", "/subjects/"+strings.ReplaceAll(subject, "<&>", "%3C%26%3E")+"/versions", body(fmt.Sprintf(`{"type":"fixed","name":"F%d","size":%d}`, i, i%9+1)), 200, "")
		if i%5 == 0 {
			s.expect("DELETE", "/subjects/"+strings.ReplaceAll(subject, "<&>", "%3C%26%3E"), "", 200, "")
		}
	}
	for _, q := range []struct {
		query string
		o     store.SubjectsOptions
	}{
		{"", store.SubjectsOptions{Prefix: ":*:"}},
		{"?deleted=true", store.SubjectsOptions{Prefix: ":*:", Deleted: true}},
		{"?deletedOnly=true&offset=3&limit=50", store.SubjectsOptions{Prefix: ":*:", DeletedOnly: true, Paging: store.Paging{Offset: 3, Limit: 50}}},
		{"?subjectPrefix=", store.SubjectsOptions{}},
		{"?subjectPrefix=:.ctx:", store.SubjectsOptions{Prefix: ":.ctx:"}},
		{"?limit=1000", store.SubjectsOptions{Prefix: ":*:", Paging: store.Paging{Limit: 1000}}},
		{"?limit=1000", store.SubjectsOptions{Prefix: ":*:", Paging: store.Paging{Limit: 1000}}},
		{"?limit=30&offset=900", store.SubjectsOptions{Prefix: ":*:", Paging: store.Paging{Offset: 900, Limit: 30}}},
		{"?limit=30&offset=900", store.SubjectsOptions{Prefix: ":*:", Paging: store.Paging{Offset: 900, Limit: 30}}},
	} {
		code, got, _ := s.do("GET", "/subjects"+q.query, "")
		if want := encodeJSON(s.reg.Subjects(q.o)); code != 200 || got != string(want) {
			t.Errorf("/subjects%s: %d, %d bytes, want %d bytes", q.query, code, len(got), len(want))
		}
	}
	for _, q := range []struct {
		query string
		o     store.SchemasOptions
	}{
		{"", store.SchemasOptions{}},
		{"?deleted=true&offset=10", store.SchemasOptions{Deleted: true, Paging: store.Paging{Offset: 10}}},
		{"?subjectPrefix=:*:&latestOnly=true&limit=100", store.SchemasOptions{Prefix: ":*:", LatestOnly: true, Paging: store.Paging{Limit: 100}}},
		{"?subjectPrefix=:*:&latestOnly=true&limit=100", store.SchemasOptions{Prefix: ":*:", LatestOnly: true, Paging: store.Paging{Limit: 100}}},
		{"?deleted=true&limit=1000", store.SchemasOptions{Deleted: true, Paging: store.Paging{Limit: 1000}}},
		{"?deleted=true&limit=1000", store.SchemasOptions{Deleted: true, Paging: store.Paging{Limit: 1000}}},
	} {
		code, got, _ := s.do("GET", "/schemas"+q.query, "")
		list := s.reg.Schemas(q.o)
		out := make([]schemaJSON, 0, len(list))
		for _, v := range list {
			out = append(out, toSchemaJSON(v))
		}
		if want := encodeJSON(out); code != 200 || got != string(want) {
			t.Errorf("/schemas%s: %d, %d bytes, want %d bytes", q.query, code, len(got), len(want))
		}
	}
}

// A page kept in the page cache is answered while the registry does not
// change, and computed again once it does.
func TestListingPagesCached(t *testing.T) {
	s := newServer(t)
	s.expect("POST", "/subjects/b/versions", body(`"int"`), 200, "")
	s.expect("GET", "/subjects?limit=2", "", 200, `["b"]`)
	s.expect("GET", "/schemas?limit=1&subjectPrefix=:*:", "", 200, "")
	s.expect("POST", "/subjects/a/versions", body(`"long"`), 200, "")
	s.expect("GET", "/subjects?limit=2", "", 200, `["a","b"]`)
	_, got, _ := s.do("GET", "/schemas?limit=1&subjectPrefix=:*:", "")
	if !strings.Contains(got, `"subject":"a"`) {
		t.Errorf("a stale page: %s", got)
	}
	s.expect("DELETE", "/subjects/a", "", 200, "[1]")
	s.expect("GET", "/subjects?limit=2", "", 200, `["b"]`)
	s.expect("GET", "/contexts/.x/subjects?limit=2", "", 200, `[]`)
}
