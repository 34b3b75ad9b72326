package acsref

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp"
)

// BenchmarkSessionObservation: what the metrics and the session's log
// line (to a JSON handler writing nowhere) add to a session of an Inform
// and two RPCs, one answered, one faulted.
func BenchmarkSessionObservation(b *testing.B) {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "acs.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s, err := New(Config{Store: st, NBIAccess: NBIAccess{Open: true}, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	inf := &cwmp.Inform{Event: []cwmp.EventStruct{{EventCode: cwmp.EventPeriodic}}}
	gpv := &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.UpTime"}}
	b.ReportAllocs()
	for b.Loop() {
		se := &session{dev: store.Device{ID: "00D09E-Box-1"}}
		s.observeOpen(se, inf)
		s.observeSend(se, gpv)
		s.observeMessage(se, &cwmp.GetParameterValuesResponse{})
		s.observeSend(se, gpv)
		s.observeMessage(se, cwmp.NewFault(cwmp.FaultInvalidParameterName, "no such name"))
		s.observeEnd(se, "")
	}
}
