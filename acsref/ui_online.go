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

// onlineNames are the parameters the rule reads under a root.
func onlineNames(root string) []string {
	return []string{root + "ManagementServer.PeriodicInformEnable", root + "ManagementServer.PeriodicInformInterval"}
}

// onlineWindow is how long after its last Inform a device counts as
// online, from its stored values of its root's ManagementServer.
func onlineWindow(d *store.Device, values map[string]string) time.Duration {
	root := deviceRoot(d)
	enable, interval := values[root+"ManagementServer.PeriodicInformEnable"], values[root+"ManagementServer.PeriodicInformInterval"]
	n, err := strconv.ParseUint(strings.TrimSpace(interval), 10, 32)
	if err != nil || n == 0 || enable == "false" || enable == "0" {
		return onlineFallback
	}
	return 2*time.Duration(n)*time.Second + onlineSlack
}

// onlineOf tells which of ds are online at now (one store query per 500
// devices).
func (s *Server) onlineOf(ctx context.Context, ds []*store.Device, now time.Time) ([]bool, error) {
	// One query per root present, reading only its two names.
	byRoot := map[string][]string{}
	for _, d := range ds {
		byRoot[deviceRoot(d)] = append(byRoot[deviceRoot(d)], d.ID)
	}
	values := map[string]map[string]string{}
	for root, ids := range byRoot {
		vs, err := s.st.ParameterValues(ctx, ids, onlineNames(root))
		if err != nil {
			return nil, err
		}
		for id, v := range vs {
			values[id] = v
		}
	}
	out := make([]bool, len(ds))
	for i, d := range ds {
		out[i] = !d.LastInform.IsZero() && now.Sub(d.LastInform) <= onlineWindow(d, values[d.ID])
	}
	return out, nil
}

// filterOnline keeps the devices whose online status is want.
func (s *Server) filterOnline(ctx context.Context, ds []*store.Device, want bool, now time.Time) ([]*store.Device, error) {
	on, err := s.onlineOf(ctx, ds, now)
	if err != nil {
		return nil, err
	}
	out := ds[:0:0]
	for i, d := range ds {
		if on[i] == want {
			out = append(out, d)
		}
	}
	return out, nil
}

// deviceRoot is the device's root object ("Device." when not known yet).
func deviceRoot(d *store.Device) string {
	if d.Root == "" {
		return "Device."
	}
	return d.Root
}
