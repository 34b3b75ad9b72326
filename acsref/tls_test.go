package acsref_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
)

func tlsAgent(t *testing.T, acsURL, serial string, tc *tls.Config, onFile func(*cwmp.Download, io.Reader) error) *cpe.Agent {
	t.Helper()
	ag, err := cpe.New(cpe.Config{Schema: tr181.Schema, ACSURL: acsURL, SerialNumber: serial, OUI: "00D09E", ProductClass: "SimBox",
		Transport: &http.Transport{TLSClientConfig: tc}, OnFile: onFile})
	if err != nil {
		t.Fatal(err)
	}
	return ag
}

// TestHTTPS: the CWMP endpoint over TLS with a self-signed certificate —
// a CPE that trusts it runs sessions and downloads the ACS's files over
// HTTPS; one that does not is refused by its own TLS check; with client
// CAs, a CPE without a certificate issued by one of them is refused.
func TestHTTPS(t *testing.T) {
	tc, certPEM, err := acsref.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	a := startACS(t, filepath.Join(t.TempDir(), "acs.db"), func(c *acsref.Config) { c.NoDiscovery = true; c.TLS = tc })
	if !strings.HasPrefix(a.srv.CWMPURL(), "https://127.0.0.1:") {
		t.Fatalf("CWMP URL %s", a.srv.CWMPURL())
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	var got []byte
	ag := tlsAgent(t, a.srv.CWMPURL(), "TLS1", &tls.Config{RootCAs: roots},
		func(_ *cwmp.Download, r io.Reader) error { got, _ = io.ReadAll(r); return nil })
	runSession(t, ag)
	if code := a.do("PUT", "/files/fw.bin", "firmware-bytes", nil); code != http.StatusCreated {
		t.Fatalf("PUT file: %d", code)
	}
	dl := a.task("00D09E-SimBox-TLS1", `{"name":"download","file":"fw.bin"}`)
	if !strings.Contains(string(dl.Spec), "https://") {
		t.Errorf("the download URL of an HTTPS ACS is not https: %s", dl.Spec)
	}
	runSession(t, ag)
	runSession(t, ag)
	if tk := a.getTask(dl.ID); tk.Status != store.TaskDone || string(got) != "firmware-bytes" {
		t.Fatalf("download over HTTPS: %s (%d %s), %q", tk.Status, tk.FaultCode, tk.FaultString, got)
	}

	// A CPE that does not trust the certificate.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = tlsAgent(t, a.srv.CWMPURL(), "TLS2", &tls.Config{}, nil).RunSession(ctx)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an untrusted certificate: %v", err)
	}

	// Client certificates: the ACS requires one issued by the CA it is
	// given (here the lab certificate's own, which signs itself).
	clientTLS, clientPEM, err := acsref.SelfSignedTLS("cpe.example")
	if err != nil {
		t.Fatal(err)
	}
	caPool := x509.NewCertPool()
	caPool.AppendCertsFromPEM(clientPEM)
	mtls := tc.Clone()
	mtls.ClientCAs, mtls.ClientAuth = caPool, tls.RequireAndVerifyClientCert
	b := startACS(t, filepath.Join(t.TempDir(), "acs2.db"), func(c *acsref.Config) { c.NoDiscovery = true; c.TLS = mtls })
	if _, err := tlsAgent(t, b.srv.CWMPURL(), "TLS3", &tls.Config{RootCAs: roots}, nil).RunSession(ctx); err == nil {
		t.Fatal("a CPE without a client certificate was accepted")
	}
	withCert := &tls.Config{RootCAs: roots, Certificates: clientTLS.Certificates}
	if _, err := tlsAgent(t, b.srv.CWMPURL(), "TLS4", withCert, nil).RunSession(ctx); err != nil {
		t.Fatalf("a CPE with a client certificate: %v", err)
	}
}
