package acsref

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp/auth"
)

// Per-device CPE credentials are stored as what Digest needs, not the
// password: "dmf-ha1:" then the MD5 and SHA-256 HA1 of user:realm:password
// (RFC 7616), colon-separated. A row written before (a plain password)
// still works. The realm (Config.Auth.Realm) is part of the hash: changing
// it invalidates the stored credentials.
const ha1Prefix = "dmf-ha1:"

func hashCredential(user, realm, password string) string {
	return ha1Prefix + auth.HA1(auth.AlgorithmMD5, user, realm, password) + ":" + auth.HA1(auth.AlgorithmSHA256, user, realm, password)
}

// storedHA1 is the HA1 for algorithm from a stored credential value.
func storedHA1(stored, user, realm, algorithm string) string {
	rest, ok := strings.CutPrefix(stored, ha1Prefix)
	if !ok {
		return auth.HA1(algorithm, user, realm, stored) // a plain password of an older store
	}
	md5Hex, shaHex, _ := strings.Cut(rest, ":")
	if strings.EqualFold(algorithm, auth.AlgorithmSHA256) {
		return shaHex
	}
	return md5Hex
}

// fileUserPrefix starts the user names of the per-device credentials the
// ACS puts in the Downloads of its own files: the CPE's password is not
// known to the ACS (only its HA1), and the global one is not handed out.
const fileUserPrefix = "dmf-file:"

const settingFileSecret = "cwmp.file_secret"

// initFileSecret loads (or makes) the key of the file credentials, shared
// by every ACS process on the store and kept across restarts (a Download
// may run after one).
func (s *Server) initFileSecret(ctx context.Context) error {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	v, err := s.st.PutSetting(ctx, settingFileSecret, hex.EncodeToString(b[:]), true)
	if err != nil {
		return fmt.Errorf("acsref: file credential key: %w", err)
	}
	s.fileSecret, err = hex.DecodeString(v)
	return err
}

// fileCredential is the user name and password a device fetches the
// ACS's files with.
func (s *Server) fileCredential(deviceID string) (user, pass string) {
	user = fileUserPrefix + url2name(deviceID)
	return user, s.filePassword(user)
}

// filePassword derives a file user's password from the file secret.
func (s *Server) filePassword(user string) string {
	m := hmac.New(sha256.New, s.fileSecret)
	m.Write([]byte(user))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// lookupHA1 is the CWMP endpoint's credential lookup: the global user,
// the per-device users of the store, and the file users.
func (s *Server) lookupHA1(_ *http.Request, user, algorithm string) (string, bool) {
	a := s.cfg.Auth
	realm := a.Realm
	if a.Username != "" && user == a.Username {
		return auth.HA1(algorithm, user, realm, a.Password), true
	}
	if strings.HasPrefix(user, fileUserPrefix) {
		return auth.HA1(algorithm, user, realm, s.filePassword(user)), true
	}
	if a.PerDevice {
		stored, _, err := s.st.Credential(context.Background(), user)
		if err == nil {
			return storedHA1(stored, user, realm, algorithm), true
		}
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("acs: reading a CPE credential", "user", user, "err", err)
		}
	}
	return "", false
}

// fileUserDevice is the upload-name of the device a file user is for.
func fileUserDevice(user string) (string, bool) {
	return strings.CutPrefix(user, fileUserPrefix)
}
