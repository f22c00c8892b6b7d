package store

import (
	"errors"
	"fmt"
)

// Error is a registry error as the API reports it: Confluent's error code and
// message. The HTTP status is the code's first three digits (40401 -> 404);
// framework errors use the status itself as code (400, 404, 422, ...).
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Status is the HTTP status of the error.
func (e *Error) Status() int {
	if e.Code >= 1000 {
		return e.Code / 100
	}
	return e.Code
}

func errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error, turning anything else into a 50001 store
// error (never a bare 500); nil stays nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeStoreError, Message: "Error in the backend data store: " + err.Error()}
}

// Error codes: every code the API answers, Confluent's (Errors.java and the
// Rest*Exception classes; the HTTP status is the first three digits), then
// the framework's, which are the HTTP status itself (rest-utils' mappers).
const (
	CodeSubjectNotFound            = 40401
	CodeVersionNotFound            = 40402
	CodeSchemaNotFound             = 40403
	CodeSubjectSoftDeleted         = 40404
	CodeSubjectNotSoftDeleted      = 40405
	CodeVersionSoftDeleted         = 40406
	CodeVersionNotSoftDeleted      = 40407
	CodeSubjectLevelCompatNotFound = 40408
	CodeSubjectLevelModeNotFound   = 40409
	CodeAssociationNotFound        = 40410
	CodeIncompatibleSchema         = 40901
	CodeTooManyAssociations        = 40902
	CodeResourceAssociationExists  = 40903
	CodeSubjectAssociationExists   = 40904
	CodeStrongAssociationExists    = 40905
	CodeNoActiveVersion            = 40907
	CodeAssociationFrozen          = 40908
	CodeInvalidSchema              = 42201
	CodeInvalidVersion             = 42202
	CodeInvalidCompatibilityLevel  = 42203
	CodeInvalidMode                = 42204
	CodeOperationNotPermitted      = 42205
	CodeReferenceExists            = 42206
	CodeImportedIDMismatch         = 42207
	CodeInvalidSubject             = 42208
	CodeSchemaTooLarge             = 42209
	CodeInvalidRuleSet             = 42210
	CodeContextNotEmpty            = 42211
	CodeInvalidAssociation         = 42212
	CodeStoreError                 = 50001
	CodeOperationTimeout           = 50002
	CodeForwardingFailed           = 50003
	CodeUnknownLeader              = 50004

	// Framework errors: the code is the HTTP status.
	CodeBadRequest           = 400 // unreadable JSON, bad query parameter
	CodeUnauthorized         = 401
	CodeForbidden            = 403
	CodeNotFound             = 404 // no such route
	CodeMethodNotAllowed     = 405
	CodeNotAcceptable        = 406
	CodeRequestTooLarge      = 413
	CodeUnsupportedMediaType = 415
	CodeUnprocessable        = 422 // a body that is JSON but not the expected entity
	CodeInternal             = 500
	CodeUnavailable          = 503
)

func errSubjectNotFound(subject string) *Error {
	return errorf(CodeSubjectNotFound, "Subject '%s' not found.", subject)
}

func errVersionNotFound(version any) *Error {
	return errorf(CodeVersionNotFound, "Version %v not found.", version)
}

func errSchemaNotFound() *Error { return errorf(CodeSchemaNotFound, "Schema not found") }

func errSchemaIDNotFound(id any) *Error {
	return errorf(CodeSchemaNotFound, "Schema %v not found", id)
}

// ErrLeaderNotKnown is the answer of a write on a follower while no primary
// is known (Confluent's UnknownLeaderException).
func ErrLeaderNotKnown() *Error { return errorf(CodeUnknownLeader, "Leader not known.") }

// ErrForwarding is the answer of a write that could not be relayed to the
// primary (Confluent's "Error while forwarding ... to the leader", 50003).
func ErrForwarding(detail string) *Error {
	return errorf(CodeForwardingFailed, "Error while forwarding the request to the leader: %s", detail)
}
