package exporter

import "strings"

// splitSubject cuts a qualified subject (":.ctx:s") into its context
// (".ctx"; "" for the default context) and its bare name.
func splitSubject(s string) (ctx, bare string) {
	if rest, ok := strings.CutPrefix(s, ":"); ok {
		if c, b, ok := strings.Cut(rest, ":"); ok {
			if c == "." {
				c = ""
			}
			return c, b
		}
	}
	return "", s
}

// qualify writes a subject of a context as the API names it.
func qualify(ctx, bare string) string {
	if ctx == "" {
		return bare
	}
	return ":" + ctx + ":" + bare
}

// matches reports whether a source subject is one of the exporter's
// subjects: ":*:" is every subject of every context; otherwise an entry
// names a context (":.ctx:…", else the default context) and, in it, a
// subject, "*" for all of them, or a prefix ending in "*".
func (e *Exporter) matches(subject string) bool {
	ctx, bare := splitSubject(subject)
	for _, entry := range e.Subjects {
		if entry == ":*:" {
			return true
		}
		ectx, pattern := splitSubject(entry)
		if ectx != ctx {
			continue
		}
		if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
			if strings.HasPrefix(bare, prefix) {
				return true
			}
		} else if pattern == bare {
			return true
		}
	}
	return false
}

// destination names a source subject on the destination: renamed by the
// subjectRenameFormat, in the source's context behind the exporter's
// (auto is the AUTO context).
func (e *Exporter) destination(subject, auto string) string {
	ctx, bare := splitSubject(subject)
	renamed := strings.ReplaceAll(e.SubjectRenameFormat, SubjectPlaceholder, bare)
	return qualify(e.destContext(auto)+ctx, renamed)
}

// destContext is the context the exporter writes under ("" for NONE).
func (e *Exporter) destContext(auto string) string {
	switch e.ContextType {
	case ContextCustom:
		return e.Context
	case ContextAuto:
		return auto
	}
	return ""
}

// owns reports whether a destination subject is in a context the
// exporter owns (under its AUTO or CUSTOM context): only there are
// subjects the source lacks deleted.
func (e *Exporter) owns(destSubject, auto string) bool {
	base := e.destContext(auto)
	if base == "" {
		return false
	}
	ctx, _ := splitSubject(destSubject)
	return ctx == base || strings.HasPrefix(ctx, base+".")
}
