package acsref

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/dmforge/dmforge/acsref/store"
)

// Online status: a device is online when its last Inform is within two of
// its own periodic inform intervals (ManagementServer.PeriodicInformInterval
// as it reported it) and a slack for the session's own time; when the
// interval is unknown (never read, periodic informs disabled), within
// onlineFallback. The NBI's device list (?online=) and the UI's overview
// and devices page use this one rule.
const (
	onlineSlack    = time.Minute
	onlineFallback = time.Hour
)

// onlineWindow is how long after its last Inform the device counts as
// online, and the periodic interval it is based on (0: unknown, the
// fallback).
func (s *Server) onlineWindow(ctx context.Context, d *store.Device) (window, interval time.Duration, err error) {
	root := d.Root
	if root == "" {
		root = "Device."
	}
	prefix := root + "ManagementServer.PeriodicInform"
	ps, err := s.st.Parameters(ctx, d.ID, prefix)
	if err != nil {
		return 0, 0, err
	}
	enabled := true
	for _, p := range ps {
		switch strings.TrimPrefix(p.Name, prefix) {
		case "Interval":
			if n, err := strconv.ParseUint(strings.TrimSpace(p.Value), 10, 32); err == nil && n > 0 {
				interval = time.Duration(n) * time.Second
			}
		case "Enable":
			enabled = p.Value != "false" && p.Value != "0"
		}
	}
	if !enabled || interval == 0 {
		return onlineFallback, 0, nil
	}
	return 2*interval + onlineSlack, interval, nil
}

// deviceOnline tells whether d is online at now by the rule above.
func (s *Server) deviceOnline(ctx context.Context, d *store.Device, now time.Time) (bool, error) {
	w, _, err := s.onlineWindow(ctx, d)
	if err != nil {
		return false, err
	}
	return !d.LastInform.IsZero() && now.Sub(d.LastInform) <= w, nil
}

// filterOnline keeps the devices whose online status is want.
func (s *Server) filterOnline(ctx context.Context, ds []*store.Device, want bool, now time.Time) ([]*store.Device, error) {
	out := ds[:0:0]
	for _, d := range ds {
		on, err := s.deviceOnline(ctx, d, now)
		if err != nil {
			return nil, err
		}
		if on == want {
			out = append(out, d)
		}
	}
	return out, nil
}
