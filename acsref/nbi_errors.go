package acsref

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/dmforge/dmforge/acsref/policy"
	"github.com/dmforge/dmforge/acsref/store"
)

// APIError is every error answer of the NBI, whatever its status: 400
// for a refused request (with the path and the rule it breaks), 401/403/421
// from the guard, 404 for an unknown resource or route, 405 for a wrong
// method, 409, 413, 500. A refused policy document lists each of its
// errors (with line and policy) in Errors.
type APIError struct {
	Status int    `json:"-"`
	Msg    string `json:"error"`
	Rule   string `json:"rule"`
	Path   string `json:"path,omitempty"`
	// Errors are the single errors of a refused policy document.
	Errors policy.Errors `json:"errors,omitempty"`
	// cause is what the log gets, never the client (a store error may
	// name the database's user, host and name).
	cause error
}

func (e *APIError) Error() string {
	if e.cause != nil {
		return e.Msg + ": " + e.cause.Error()
	}
	return e.Msg
}

// Rules of the NBI's own errors (the data model's are RuleError's).
const (
	RuleNotFound         = "not-found"
	RuleConflict         = "conflict"
	RuleInternal         = "internal"
	RuleMethodNotAllowed = "method-not-allowed"
	RulePolicy           = "policy"
)

// apiErr is an error answer with status, rule and message.
func apiErr(status int, rule, msg string) *APIError {
	return &APIError{Status: status, Rule: rule, Msg: msg}
}

// badRequest is a 400 for a malformed argument.
func badRequest(msg string) *APIError { return apiErr(http.StatusBadRequest, RuleArgument, msg) }

// storeError turns a store error about what into an answer: 404, 409, or
// 500 with the details for the log only.
func storeError(err error, what string) *APIError {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apiErr(http.StatusNotFound, RuleNotFound, what+" not found")
	case errors.Is(err, store.ErrConflict):
		return &APIError{Status: http.StatusConflict, Rule: RuleConflict, Msg: err.Error()}
	default:
		return &APIError{Status: http.StatusInternalServerError, Rule: RuleInternal,
			Msg: what + ": store error (details in the ACS log)", cause: err}
	}
}

// asAPIError maps any error a handler returns to its answer.
func asAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	var re *RuleError
	if errors.As(err, &re) {
		return &APIError{Status: http.StatusBadRequest, Rule: re.Rule, Msg: re.Msg, Path: re.Path}
	}
	var pe policy.Errors
	if errors.As(err, &pe) {
		// The message lists the errors too, for clients that read only it.
		return &APIError{Status: http.StatusBadRequest, Rule: RulePolicy, Msg: "the policy documents are refused: " + pe.Error(), Errors: pe}
	}
	return storeError(err, "request")
}

// writeError answers err: the one writer of every NBI error body.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	ae := asAPIError(err)
	if ae.cause != nil {
		s.log.Error("acs: nbi", "err", ae.cause)
	}
	writeAPIError(w, ae)
}

func writeAPIError(w http.ResponseWriter, ae *APIError) {
	status := ae.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, ae)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
