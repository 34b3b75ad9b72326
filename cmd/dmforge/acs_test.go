package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestACSCommand runs dmforge acs on ephemeral ports (the NBI address from
// the environment), reads the printed URLs, calls the NBI, and stops it
// by cancelling its context as Ctrl-C does.
func TestACSCommand(t *testing.T) {
	t.Setenv("DMFORGE_NBI_ADDR", "127.0.0.1:0")
	t.Setenv("DMFORGE_NBI_TOKEN", "tok")
	cmd := newACSCmd()
	out := &syncBuffer{}
	cmd.SetOut(out)
	cmd.SetErr(out)
	cmd.SetArgs([]string{"--cwmp-addr", "127.0.0.1:0", "--db", "sqlite://" + filepath.Join(t.TempDir(), "acs.db")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	re := regexp.MustCompile(`NBI  (http://\S+)`)
	var nbi string
	for deadline := time.Now().Add(20 * time.Second); nbi == ""; {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			nbi = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("acs stopped: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no NBI URL printed:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "CWMP http://127.0.0.1:") {
		t.Errorf("no CWMP URL printed:\n%s", out)
	}
	req, _ := http.NewRequest("GET", nbi+"/devices", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the DMFORGE_NBI_TOKEN token: %d", resp.StatusCode)
	}
	req.Header.Set("Authorization", "Bearer tok")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with the token: %d", resp.StatusCode)
	}
	// The admin API key made on first start is printed once and opens
	// the NBI too.
	m := regexp.MustCompile(`NBI admin API key \(shown this once; only its hash is stored\): (dmf_[0-9a-f]+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no admin API key printed:\n%s", out)
	}
	req.Header.Set("Authorization", "Bearer "+m[1])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with the printed admin key: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("acs: %v", err)
	}
}

// TestACSCommandRefusesPublicWithoutCPEAuth: without CPE authentication
// dmforge acs does not listen beyond loopback; the error names the flags.
func TestACSCommandRefusesPublicWithoutCPEAuth(t *testing.T) {
	cmd := newACSCmd()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs([]string{"--cwmp-addr", "0.0.0.0:0", "--nbi-addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "acs.db")})
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), "--allow-unauthenticated-cpes") || !strings.Contains(err.Error(), "--per-device-auth") {
		t.Fatalf("err = %v, want a refusal naming the flags", err)
	}
}

func TestACSCommandUnsupportedStore(t *testing.T) {
	t.Setenv("DMFORGE_DB", "mysql://localhost/acs")
	cmd := newACSCmd()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetArgs([]string{"--cwmp-addr", "127.0.0.1:0", "--nbi-addr", "127.0.0.1:0"})
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), "unsupported store") {
		t.Fatalf("err = %v", err)
	}
}

// TestACSCommandTLS: dmforge acs --tls-self-signed serves HTTPS and writes
// its certificate; dmforge cpe sim --ca-cert with that file runs its
// sessions, without it every session fails on the certificate.
func TestACSCommandTLS(t *testing.T) {
	dir := t.TempDir()
	certFile := filepath.Join(dir, "acs-cert.pem")
	cmd := newACSCmd()
	out := &syncBuffer{}
	cmd.SetOut(out)
	cmd.SetErr(out)
	cmd.SetArgs([]string{"--cwmp-addr", "127.0.0.1:0", "--nbi-addr", "127.0.0.1:0", "--db", filepath.Join(dir, "acs.db"), "--tls-self-signed", certFile})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	defer func() { cancel(); <-done }()
	re := regexp.MustCompile(`CWMP (https://\S+)`)
	var cwmpURL string
	for deadline := time.Now().Add(20 * time.Second); cwmpURL == ""; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			cwmpURL = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no https CWMP URL printed:\n%s", out)
		}
	}
	if !strings.Contains(out.String(), "self-signed certificate in "+certFile) {
		t.Errorf("the certificate file is not named:\n%s", out)
	}
	sim := func(args ...string) (error, string) {
		c := newCPESimCmd()
		o := &bytes.Buffer{}
		c.SetOut(o)
		c.SetErr(o)
		c.SetArgs(append([]string{"--acs", cwmpURL, "--count", "2", "--sessions", "1", "-q"}, args...))
		err := c.Execute()
		return err, o.String()
	}
	if err, o := sim("--ca-cert", certFile); err != nil {
		t.Fatalf("cpe sim trusting the certificate: %v\n%s", err, o)
	}
	if err, o := sim(); err == nil || !strings.Contains(o, "certificate") {
		t.Fatalf("cpe sim not trusting the certificate: %v\n%s", err, o)
	}
}
