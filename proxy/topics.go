package proxy

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/internal/bounded"
)

// TopicPrefix starts the properties that set a topic's validation:
// topic.<name>.<setting>, <setting> one of Confluent's topic config names
// (hook.KeyValidation, ...), <name> a topic name or a pattern with * ? and
// [...] as path.Match reads them. Validation is off for a topic that no
// entry names or matches, as on a Confluent topic without the settings.
const TopicPrefix = "topic."

// settingNames are the settings a topic entry may give.
var settingNames = []string{hook.KeyValidation, hook.ValueValidation, hook.KeyStrategy, hook.ValueStrategy, hook.PayloadValidation, hook.Context}

// Topics are the topics' validation settings.
type Topics struct {
	exact    map[string]map[string]string // topic name -> its settings' text
	patterns []topicEntry                 // in the order of their first property
	resolved *bounded.Map[string, resolved]
}

type topicEntry struct {
	pattern string
	props   map[string]string
}

type resolved struct {
	settings hook.Settings
	on       bool
}

// ParseTopics reads the topic.* properties of props (others are skipped);
// order lists props' keys in file order (patterns apply in that order, a
// topic's own name after them all). Every bad value or pattern is
// reported.
func ParseTopics(props map[string]string, order []string) (*Topics, error) {
	t := &Topics{exact: map[string]map[string]string{}, resolved: bounded.New[string, resolved](100_000)}
	patterns := map[string]map[string]string{} // pattern -> its settings' text
	var errs []error
	keys := append([]string(nil), order...)
	for k := range props {
		keys = append(keys, k)
	}
	done := map[string]bool{}
	for _, key := range keys {
		if done[key] || !strings.HasPrefix(key, TopicPrefix) {
			continue
		}
		done[key] = true
		name, setting, ok := splitTopicKey(key)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not topic.<name>.<setting> with a setting among %s", key, strings.Join(settingNames, ", ")))
			continue
		}
		if strings.ContainsAny(name, "*?[") {
			if _, err := path.Match(name, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s: bad pattern %q: %w", key, name, err))
				continue
			}
			if patterns[name] == nil {
				patterns[name] = map[string]string{}
				t.patterns = append(t.patterns, topicEntry{pattern: name, props: patterns[name]})
			}
			patterns[name][setting] = props[key]
		} else {
			if t.exact[name] == nil {
				t.exact[name] = map[string]string{}
			}
			t.exact[name][setting] = props[key]
		}
		var s hook.Settings
		if err := s.Set(setting, props[key]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	return t, errors.Join(errs...)
}

// splitTopicKey splits topic.<name>.<setting>.
func splitTopicKey(key string) (name, setting string, ok bool) {
	rest := key[len(TopicPrefix):]
	for _, s := range settingNames {
		if strings.HasSuffix(rest, "."+s) && len(rest) > len(s)+1 {
			return rest[:len(rest)-len(s)-1], s, true
		}
	}
	return "", "", false
}

// For returns topic's settings and whether it validates anything.
func (t *Topics) For(topic string) (hook.Settings, bool) {
	if r, ok := t.resolved.Get(topic); ok {
		return r.settings, r.on
	}
	var s hook.Settings // all off: Confluent's defaults for a topic
	for _, e := range t.patterns {
		if ok, _ := path.Match(e.pattern, topic); ok {
			_ = s.Apply(e.props) // checked by ParseTopics
		}
	}
	if props, ok := t.exact[topic]; ok {
		_ = s.Apply(props)
	}
	r := resolved{settings: s, on: s.Key.Validate || s.Value.Validate}
	t.resolved.Put(topic, r)
	return r.settings, r.on
}

// Names lists the topic names and patterns given, sorted.
func (t *Topics) Names() []string {
	var out []string
	for n := range t.exact {
		out = append(out, n)
	}
	for _, e := range t.patterns {
		out = append(out, e.pattern)
	}
	sort.Strings(out)
	return out
}
