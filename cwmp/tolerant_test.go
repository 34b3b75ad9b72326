package cwmp

import (
	"strings"
	"testing"
)

const gpnOneBadItem = `<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0">
<soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">7</cwmp:ID></soap-env:Header>
<soap-env:Body><cwmp:GetParameterNamesResponse>
<ParameterList soap-enc:arrayType="cwmp:ParameterInfoStruct[4]">
<ParameterInfoStruct><Name>InternetGatewayDevice.DeviceInfo.</Name><Writable>0</Writable></ParameterInfoStruct>
<ParameterInfoStruct><Name>InternetGatewayDevice.DeviceInfo.SerialNumber</Name><Writable>30</Writable></ParameterInfoStruct>
<ParameterInfoStruct><Name>InternetGatewayDevice.DeviceInfo.UpTime</Name><Writable>false</Writable></ParameterInfoStruct>
</ParameterList></cwmp:GetParameterNamesResponse></soap-env:Body></soap-env:Envelope>`

// TestTolerantDecoding: a strict decoder refuses a GetParameterNamesResponse
// with one bad Writable; a tolerant one drops that item, keeps the others
// and names the item and the arrayType count that disagrees.
func TestTolerantDecoding(t *testing.T) {
	if _, err := Decode([]byte(gpnOneBadItem)); err == nil || !strings.Contains(err.Error(), `"30" is not a boolean`) {
		t.Fatalf("strict decode: %v", err)
	}
	d := Decoder{Tolerant: true}
	env, err := d.Decode([]byte(gpnOneBadItem))
	if err != nil {
		t.Fatal(err)
	}
	r := env.Body.(*GetParameterNamesResponse)
	if len(r.ParameterList) != 2 || r.ParameterList[1].Name != "InternetGatewayDevice.DeviceInfo.UpTime" {
		t.Fatalf("items %+v", r.ParameterList)
	}
	if len(env.Issues) != 2 {
		t.Fatalf("issues %v", env.Issues)
	}
	count, item := env.Issues[0], env.Issues[1]
	if count.Item != -1 || !strings.Contains(count.Msg, "declares 4 items, the array has 3") {
		t.Errorf("arrayType issue %v", count)
	}
	if item.Item != 1 || item.Name != "InternetGatewayDevice.DeviceInfo.SerialNumber" || !strings.Contains(item.Msg, `"30" is not a boolean`) || item.Line != 6 {
		t.Errorf("item issue %v", item)
	}
	// A value list item without a Name is dropped too.
	gpv := strings.NewReplacer("GetParameterNamesResponse", "GetParameterValuesResponse", "ParameterInfoStruct", "ParameterValueStruct",
		"<Writable>", "<Value>", "</Writable>", "</Value>", "<Name>InternetGatewayDevice.DeviceInfo.</Name>", "").Replace(gpnOneBadItem)
	env, err = d.Decode([]byte(gpv))
	if err != nil {
		t.Fatal(err)
	}
	if pl := env.Body.(*GetParameterValuesResponse).ParameterList; len(pl) != 2 || env.Issues[1].Msg != "no Name" {
		t.Fatalf("values %+v issues %v", pl, env.Issues)
	}
}
