package store

import (
	"context"
	"encoding/json"
	"time"
)

// PolicyDoc is a stored auto-configuration document (a provisioning
// policy or a virtual parameter, package acsref/policy): its source as
// the operator wrote it, checked when it was applied.
type PolicyDoc struct {
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`
	Model   string    `json:"model"`
	Source  string    `json:"source"`
	Updated time.Time `json:"updated"`
}

// PolicyState is the state of one policy on one device; Data is the
// policy package's record (status, reason, attempts, backoff, ...), kept
// opaque here; Status is repeated for counts.
type PolicyState struct {
	DeviceID string          `json:"device"`
	Policy   string          `json:"policy"`
	Status   string          `json:"status"`
	Data     json.RawMessage `json:"data"`
	Updated  time.Time       `json:"updated"`
}

// Policies is the persistence of auto-configuration; both stores
// implement it (policy_sqlite.go, policy_postgres.go).
type Policies interface {
	// PutPolicy creates or replaces documents in one transaction.
	PutPolicies(ctx context.Context, docs []*PolicyDoc) error
	Policy(ctx context.Context, name string) (*PolicyDoc, error)
	PolicyDocs(ctx context.Context) ([]*PolicyDoc, error)
	// DeletePolicy drops a document and its device states.
	DeletePolicy(ctx context.Context, name string) error
	// PoliciesVersion changes whenever a document is put or deleted (by
	// any process sharing the store): the ACS recompiles then.
	PoliciesVersion(ctx context.Context) (string, error)
	PolicyStates(ctx context.Context, deviceID string) ([]PolicyState, error)
	PutPolicyStates(ctx context.Context, states []PolicyState) error
	// PolicyStateCounts counts a policy's device states by status.
	PolicyStateCounts(ctx context.Context, policy string) (map[string]int, error)

	// PutCampaign creates a campaign; ErrConflict if the name is taken.
	PutCampaign(ctx context.Context, c *CampaignRecord) error
	Campaign(ctx context.Context, name string) (*CampaignRecord, error)
	Campaigns(ctx context.Context) ([]*CampaignRecord, error)
	DeleteCampaign(ctx context.Context, name string) error
	// UpdateCampaign changes a campaign's state in one transaction (the
	// row locked, so concurrent sessions on several processes do not
	// lose each other's updates): fn gets the current record and
	// returns the new state, or nil to leave it.
	UpdateCampaign(ctx context.Context, name string, fn func(*CampaignRecord) (json.RawMessage, error)) error
}

// CampaignRecord is a stored campaign: its spec and its progress, both
// the policy package's JSON.
type CampaignRecord struct {
	Name    string          `json:"name"`
	Spec    json.RawMessage `json:"spec"`
	State   json.RawMessage `json:"state"`
	Status  string          `json:"status"` // repeated from State for listing
	Updated time.Time       `json:"updated"`
}

// policyMigrationSQL creates the auto-configuration tables (the same
// statement serves both stores; times are Unix milliseconds). The
// version row is bumped by every put and delete.
const policyMigrationSQL = `CREATE TABLE policies (
		name TEXT PRIMARY KEY, kind TEXT NOT NULL, model TEXT NOT NULL, source TEXT NOT NULL, updated BIGINT NOT NULL
	);
	CREATE TABLE policy_states (
		device_id TEXT NOT NULL, policy TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL, updated BIGINT NOT NULL,
		PRIMARY KEY (device_id, policy)
	);
	CREATE INDEX policy_states_policy ON policy_states(policy, status);
	CREATE TABLE policy_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL);
	INSERT INTO policy_version (id, version) VALUES (1, 0);
	CREATE TABLE campaigns (
		name TEXT PRIMARY KEY, spec TEXT NOT NULL, state TEXT NOT NULL, status TEXT NOT NULL, updated BIGINT NOT NULL
	);`
