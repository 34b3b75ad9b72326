package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestLab runs the whole lab for a few seconds on loopback ports: the ACS
// and two CPEs of each standard model, every session succeeding.
func TestLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	o := labOptions{dir: t.TempDir(), cwmpAddr: "127.0.0.1:0", nbiAddr: "127.0.0.1:0", crAddr: "127.0.0.1:0", count: 2, periodic: time.Hour}
	if err := runLab(ctx, o, &out, &errOut); err != nil {
		t.Fatalf("lab: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	text := out.String()
	for _, model := range []string{"Device:2.19", "InternetGatewayDevice:1.14", "VoiceService:2.0", "STBService:1.4"} {
		if !strings.Contains(text, model+" CPEs: 2 sessions ok, 0 failed") {
			t.Errorf("%s: want 2 sessions ok and none failed:\n%s", model, text)
		}
	}
	if !strings.Contains(text, "/devices/00D09E-LabGateway-TR181%2D0/conformance") {
		t.Errorf("the example commands do not name the first simulated device:\n%s", text)
	}
}
