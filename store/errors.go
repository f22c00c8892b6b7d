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

// Confluent error codes (section 2 of the contract).
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
	CodeIncompatibleSchema         = 40901
	CodeInvalidSchema              = 42201
	CodeInvalidVersion             = 42202
	CodeInvalidCompatibilityLevel  = 42203
	CodeInvalidMode                = 42204
	CodeOperationNotPermitted      = 42205
	CodeReferenceExists            = 42206
	CodeInvalidSubject             = 42208
	CodeSchemaTooLarge             = 42209
	CodeInvalidRuleSet             = 42210
	CodeContextNotEmpty            = 42211
	CodeStoreError                 = 50001
	CodeOperationTimeout           = 50002
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
