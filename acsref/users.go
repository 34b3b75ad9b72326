package acsref

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/dmforge/dmforge/acsref/store"
)

// Users of the NBI and the web UI: each has a role (admin, operator,
// read-only: what routes it may call, see Route.Access and routeAccess)
// and an optional scope, a device group whose devices alone it sees and
// acts on. A user logs in to the UI with a password (stored as an
// argon2id hash) and calls the NBI with API keys (stored as SHA-256
// hashes: they are random, 192 bits, so a fast hash is safe; only
// passwords need a memory-hard one). The admin API key and the NBI token
// are admin keys of the user "admin".

// Principal is who makes a request: the user, its role and scope, and
// through what.
type Principal struct {
	Name  string
	Role  string
	Scope string // a device group, or "" for every device
	// Via is "nbi" or "ui" (the web UI's own requests into the route
	// table), for the audit log.
	Via string
}

// adminActor names the admin API key's and the NBI token's user in the
// audit log.
const adminActor = "admin"

type principalKey struct{}

func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom is the request's principal; nil outside the guard.
func principalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// roleRank orders the roles; 0 for an unknown one.
func roleRank(role string) int {
	switch role {
	case store.RoleReadOnly:
		return 1
	case store.RoleOperator:
		return 2
	case store.RoleAdmin:
		return 3
	}
	return 0
}

// ---- passwords: argon2id ----

// Parameters of the password hash: the second recommendation of RFC 9106
// §4 scaled to OWASP's minimum for argon2id (19 MiB, 2 passes), so that a
// login costs about 30 ms on one core while guessing stays costly.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	// maxPasswordLen bounds the input of the hash (a huge password would
	// cost the ACS, not the attacker).
	maxPasswordLen = 1024
	minPasswordLen = 8
)

// hashPassword is the PHC string of pw's argon2id hash with a new salt.
func hashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("acsref: salt: %w", err)
	}
	sum := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// checkPassword tells whether pw matches the PHC string phc (with the
// parameters it names, so that raising them keeps old hashes valid).
func checkPassword(phc, pw string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || len(pw) > maxPasswordLen {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// ---- API keys ----

// userKeyPrefix starts every user API key: dmfu_<id>_<secret>. The id
// finds the stored hash; the whole key is hashed.
const userKeyPrefix = "dmfu_"

// newUserKey makes a key: its id (public) and the key (shown once).
func newUserKey() (id, key string, err error) {
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("acsref: making an API key: %w", err)
	}
	id = hex.EncodeToString(b[:6])
	return id, userKeyPrefix + id + "_" + hex.EncodeToString(b[6:]), nil
}

// keyID is the id named in a user key, "" if tok is none.
func keyID(tok string) string {
	rest, ok := strings.CutPrefix(tok, userKeyPrefix)
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 12 {
		return ""
	}
	return id
}

// authenticate is the principal of an NBI request, nil if its
// credentials are missing or wrong: the NBI token or the admin API key
// (admin), a user's API key (the user's role and scope), or none when
// the NBI is open (NBIAccess.Open without a token: anyone is admin).
func (s *Server) authenticate(r *http.Request) *Principal {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && tok != "" {
		if p := s.principalOfToken(r.Context(), tok); p != nil {
			return p
		}
	}
	if s.nbiAuthorized(r) { // open, or the admin key / token
		return &Principal{Name: adminActor, Role: store.RoleAdmin, Via: "nbi"}
	}
	return nil
}

// principalOfToken resolves a user API key; nil if tok is none, unknown,
// revoked or its user is gone.
func (s *Server) principalOfToken(ctx context.Context, tok string) *Principal {
	id := keyID(tok)
	if id == "" {
		return nil
	}
	k, err := s.st.APIKey(ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("acs: nbi: API key lookup", "err", err)
		}
		return nil
	}
	if !k.Revoked.IsZero() || subtle.ConstantTimeCompare([]byte(hashKey(tok)), []byte(k.Hash)) != 1 {
		return nil
	}
	u, err := s.st.User(ctx, k.User)
	if err != nil {
		return nil
	}
	return &Principal{Name: u.Name, Role: u.Role, Scope: u.Scope, Via: "nbi"}
}

// userNameRE is what a user name may be: it shows in logs, the audit
// log and URLs.
var userNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// checkUserFields checks a user's name, role and password (pw "" keeps
// or sets none).
func checkUserFields(name, role, pw string) error {
	if !userNameRE.MatchString(name) {
		return &RuleError{Rule: "user-name", Path: "name", Msg: "a user name is 1 to 64 letters, digits and . _ @ - (starting with a letter or digit)"}
	}
	if name == adminActor {
		return &RuleError{Rule: "user-name", Path: "name", Msg: `"admin" names the admin API key's user; choose another name`}
	}
	if roleRank(role) == 0 {
		return &RuleError{Rule: "role", Path: "role", Msg: fmt.Sprintf("role %q: want admin, operator or read-only", role)}
	}
	if pw != "" && (len(pw) < minPasswordLen || len(pw) > maxPasswordLen) {
		return &RuleError{Rule: "password", Path: "password", Msg: fmt.Sprintf("a password has %d to %d bytes", minPasswordLen, maxPasswordLen)}
	}
	return nil
}

// createUser stores a new user (the password hashed).
func (s *Server) createUser(ctx context.Context, in UserRequest) (*store.User, error) {
	if err := checkUserFields(in.Name, in.Role, in.Password); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	u := &store.User{Name: in.Name, Role: in.Role, Scope: in.Scope, Created: now, Updated: now}
	if in.Password != "" {
		h, err := hashPassword(in.Password)
		if err != nil {
			return nil, err
		}
		u.PasswordHash = h
	}
	if err := s.st.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// newKeyFor makes and stores an API key of user.
func (s *Server) newKeyFor(ctx context.Context, user, name string) (*NewAPIKey, error) {
	id, key, err := newUserKey()
	if err != nil {
		return nil, err
	}
	k := &store.APIKey{ID: id, User: user, Name: name, Hash: hashKey(key), Created: time.Now().UTC()}
	if err := s.st.PutAPIKey(ctx, k); err != nil {
		return nil, err
	}
	return &NewAPIKey{APIKey: *k, Key: key}, nil
}
