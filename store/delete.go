package store

import (
	"context"
)

// DeleteVersion soft-deletes a subject-version, or hard-deletes one that was
// soft-deleted before (decideDeleteVersion). It returns the version number.
func (r *Registry) DeleteVersion(ctx context.Context, subject string, v int, how Deletion) (int, error) {
	return commit(ctx, r, func(w *view) ([]Record, int, error) { return w.decideDeleteVersion(subject, v, how) })
}

// DeleteContext deletes an empty context (decideDeleteContext).
func (r *Registry) DeleteContext(ctx context.Context, name string) error {
	_, err := commit(ctx, r, func(w *view) ([]Record, struct{}, error) { return w.decideDeleteContext(name) })
	return err
}

// DeleteSubject soft-deletes every version of a subject, or hard-deletes a
// subject soft-deleted before (decideDeleteSubject). It returns the
// versions.
func (r *Registry) DeleteSubject(ctx context.Context, subject string, how Deletion) ([]int, error) {
	return commit(ctx, r, func(w *view) ([]Record, []int, error) { return w.decideDeleteSubject(subject, how) })
}
