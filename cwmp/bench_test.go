package cwmp

import (
	"fmt"
	"testing"
	"time"
)

func informWithParams(n int) *Envelope {
	params := make([]ParameterValueStruct, n)
	for i := range params {
		switch i % 3 {
		case 0:
			params[i] = ParameterValueStruct{fmt.Sprintf("Device.Ethernet.Interface.%d.Stats.BytesSent", i), fmt.Sprint(1000000 + i), "xsd:unsignedLong"}
		case 1:
			params[i] = ParameterValueStruct{fmt.Sprintf("Device.WiFi.SSID.%d.SSID", i), fmt.Sprintf("Home Network <%d> & Guests", i), "xsd:string"}
		default:
			params[i] = ParameterValueStruct{fmt.Sprintf("Device.IP.Interface.%d.Enable", i), "true", "xsd:boolean"}
		}
	}
	return &Envelope{Namespace: Namespace12, Header: Header{ID: "1804289383"}, Body: &Inform{
		DeviceID:      DeviceIDStruct{"ExampleCorp", "00D09E", "HG-1000", "00D09E-HG1000-0001"},
		Event:         []EventStruct{{EventBoot, ""}, {EventPeriodic, ""}},
		MaxEnvelopes:  1,
		CurrentTime:   time.Date(2024, 3, 1, 12, 34, 56, 0, time.UTC),
		ParameterList: params,
	}}
}

func gpvResponse(n int) *Envelope {
	in := informWithParams(n).Body.(*Inform)
	return &Envelope{Namespace: Namespace12, Header: Header{ID: "42"},
		Body: &GetParameterValuesResponse{ParameterList: in.ParameterList}}
}

func BenchmarkDecodeInform50(b *testing.B) {
	data, err := Marshal(informWithParams(50))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeGetParameterValuesResponse1000(b *testing.B) {
	env := gpvResponse(1000)
	buf, err := AppendEnvelope(nil, env)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, err = AppendEnvelope(buf[:0], env)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalGetParameterValuesResponse1000(b *testing.B) {
	env := gpvResponse(1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGetParameterValuesResponse1000(b *testing.B) {
	data, err := Marshal(gpvResponse(1000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeInform50(b *testing.B) {
	env := informWithParams(50)
	var buf []byte
	var err error
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = AppendEnvelope(buf[:0], env); err != nil {
			b.Fatal(err)
		}
	}
}
