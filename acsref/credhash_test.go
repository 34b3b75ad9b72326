package acsref_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/auth"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/generated/tr181"
)

// TestCredentialsStoredAsHA1: a per-device password put through the NBI
// is stored as its Digest HA1s, not in clear; Digest (SHA-256 and MD5)
// and Basic still authenticate with it, and a plain password stored by an
// older dmforge still works.
func TestCredentialsStoredAsHA1(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.Auth = acsref.CPEAuth{PerDevice: true, Basic: true}
	})
	const pw = "pw-secret-123"
	if code := a.do("PUT", "/credentials/h1", map[string]string{"password": pw}, nil); code != http.StatusNoContent {
		t.Fatalf("PUT credential: %d", code)
	}
	stored, _, err := a.st.Credential(context.Background(), "h1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, pw) || !strings.HasPrefix(stored, "dmf-ha1:") {
		t.Fatalf("stored credential %q holds the password or no HA1", stored)
	}
	if err := a.st.PutCredential(context.Background(), "legacy", "plain-pw", ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"digest", &auth.Transport{Username: "h1", Password: pw}},
		{"digest MD5", &auth.Transport{Username: "h1", Password: pw, Base: onlyMD5{}}},
		{"basic", roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r.SetBasicAuth("h1", pw)
			return http.DefaultTransport.RoundTrip(r)
		})},
		{"legacy plain row", &auth.Transport{Username: "legacy", Password: "plain-pw"}},
	} {
		dev := newTestCPE(a.srv.CWMPURL(), "H"+strings.ReplaceAll(c.name, " ", ""))
		dev.RT = c.rt
		if err := dev.Session(context.Background()); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	dev := newTestCPE(a.srv.CWMPURL(), "Hwrong")
	dev.RT = &auth.Transport{Username: "h1", Password: "wrong"}
	var he *cwmp.HTTPStatusError
	if err := dev.Session(context.Background()); !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %v", err)
	}
}

// onlyMD5 drops the SHA-256 challenges, so that the client answers MD5.
type onlyMD5 struct{}

func (onlyMD5) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	var keep []string
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if !strings.Contains(v, "SHA-256") {
			keep = append(keep, v)
		}
	}
	resp.Header["Www-Authenticate"] = keep
	return resp, nil
}

// TestDownloadCarriesFileCredentials: the Download of an ACS file carries
// credentials of the device's own for the file server, neither the
// global password nor the device's; they fetch the file, and open no
// CWMP session.
func TestDownloadCarriesFileCredentials(t *testing.T) {
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) {
		c.NoDiscovery = true
		c.Auth = acsref.CPEAuth{Username: "acs", Password: "global-secret"}
	})
	if code := a.do("PUT", "/files/fw.bin", "firmware", nil); code != http.StatusCreated {
		t.Fatalf("PUT file: %d", code)
	}
	var dl *cwmp.Download
	var got []byte
	ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: a.srv.CWMPURL(), SerialNumber: "FC9", OUI: "00D09E", ProductClass: "SimBox",
		Username: "acs", Password: "global-secret",
		OnFile: func(d *cwmp.Download, r io.Reader) error { dl = d; got, _ = io.ReadAll(r); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	runSession(t, ag)
	a.task("00D09E-SimBox-FC9", `{"name":"download","file":"fw.bin"}`)
	runSession(t, ag)
	runSession(t, ag)
	if dl == nil || string(got) != "firmware" {
		t.Fatalf("download: %+v %q", dl, got)
	}
	if dl.Password == "global-secret" || dl.Username == "acs" || !strings.HasPrefix(dl.Username, "dmf-file:") {
		t.Fatalf("the Download carries %q/%q", dl.Username, dl.Password)
	}
	sc := cwmp.NewSessionClient(a.srv.CWMPURL(), &auth.Transport{Username: dl.Username, Password: dl.Password})
	var he *cwmp.HTTPStatusError
	if _, err := sc.Post(context.Background(), informOf("FC9", cwmp.Namespace12)); !errors.As(err, &he) || he.StatusCode != http.StatusForbidden {
		t.Fatalf("an Inform with file credentials: %v, want 403", err)
	}
}
