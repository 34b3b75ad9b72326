package cwmp

// MethodName implementations: the body element name of each message.
func (*GetRPCMethods) MethodName() string                  { return "GetRPCMethods" }
func (*GetRPCMethodsResponse) MethodName() string          { return "GetRPCMethodsResponse" }
func (*SetParameterValues) MethodName() string             { return "SetParameterValues" }
func (*SetParameterValuesResponse) MethodName() string     { return "SetParameterValuesResponse" }
func (*GetParameterValues) MethodName() string             { return "GetParameterValues" }
func (*GetParameterValuesResponse) MethodName() string     { return "GetParameterValuesResponse" }
func (*GetParameterNames) MethodName() string              { return "GetParameterNames" }
func (*GetParameterNamesResponse) MethodName() string      { return "GetParameterNamesResponse" }
func (*SetParameterAttributes) MethodName() string         { return "SetParameterAttributes" }
func (*SetParameterAttributesResponse) MethodName() string { return "SetParameterAttributesResponse" }
func (*GetParameterAttributes) MethodName() string         { return "GetParameterAttributes" }
func (*GetParameterAttributesResponse) MethodName() string { return "GetParameterAttributesResponse" }
func (*AddObject) MethodName() string                      { return "AddObject" }
func (*AddObjectResponse) MethodName() string              { return "AddObjectResponse" }
func (*DeleteObject) MethodName() string                   { return "DeleteObject" }
func (*DeleteObjectResponse) MethodName() string           { return "DeleteObjectResponse" }
func (*Reboot) MethodName() string                         { return "Reboot" }
func (*RebootResponse) MethodName() string                 { return "RebootResponse" }
func (*Download) MethodName() string                       { return "Download" }
func (*DownloadResponse) MethodName() string               { return "DownloadResponse" }
func (*Upload) MethodName() string                         { return "Upload" }
func (*UploadResponse) MethodName() string                 { return "UploadResponse" }
func (*FactoryReset) MethodName() string                   { return "FactoryReset" }
func (*FactoryResetResponse) MethodName() string           { return "FactoryResetResponse" }
func (*GetQueuedTransfers) MethodName() string             { return "GetQueuedTransfers" }
func (*GetQueuedTransfersResponse) MethodName() string     { return "GetQueuedTransfersResponse" }
func (*GetAllQueuedTransfers) MethodName() string          { return "GetAllQueuedTransfers" }
func (*GetAllQueuedTransfersResponse) MethodName() string  { return "GetAllQueuedTransfersResponse" }
func (*ScheduleInform) MethodName() string                 { return "ScheduleInform" }
func (*ScheduleInformResponse) MethodName() string         { return "ScheduleInformResponse" }
func (*SetVouchers) MethodName() string                    { return "SetVouchers" }
func (*SetVouchersResponse) MethodName() string            { return "SetVouchersResponse" }
func (*GetOptions) MethodName() string                     { return "GetOptions" }
func (*GetOptionsResponse) MethodName() string             { return "GetOptionsResponse" }
func (*ScheduleDownload) MethodName() string               { return "ScheduleDownload" }
func (*ScheduleDownloadResponse) MethodName() string       { return "ScheduleDownloadResponse" }
func (*CancelTransfer) MethodName() string                 { return "CancelTransfer" }
func (*CancelTransferResponse) MethodName() string         { return "CancelTransferResponse" }
func (*ChangeDUState) MethodName() string                  { return "ChangeDUState" }
func (*ChangeDUStateResponse) MethodName() string          { return "ChangeDUStateResponse" }
func (*Inform) MethodName() string                         { return "Inform" }
func (*InformResponse) MethodName() string                 { return "InformResponse" }
func (*TransferComplete) MethodName() string               { return "TransferComplete" }
func (*TransferCompleteResponse) MethodName() string       { return "TransferCompleteResponse" }
func (*AutonomousTransferComplete) MethodName() string     { return "AutonomousTransferComplete" }
func (*AutonomousTransferCompleteResponse) MethodName() string {
	return "AutonomousTransferCompleteResponse"
}
func (*DUStateChangeComplete) MethodName() string           { return "DUStateChangeComplete" }
func (*DUStateChangeCompleteResponse) MethodName() string   { return "DUStateChangeCompleteResponse" }
func (*AutonomousDUStateChangeComplete) MethodName() string { return "AutonomousDUStateChangeComplete" }
func (*AutonomousDUStateChangeCompleteResponse) MethodName() string {
	return "AutonomousDUStateChangeCompleteResponse"
}
func (*RequestDownload) MethodName() string         { return "RequestDownload" }
func (*RequestDownloadResponse) MethodName() string { return "RequestDownloadResponse" }
func (*Kicked) MethodName() string                  { return "Kicked" }
func (*KickedResponse) MethodName() string          { return "KickedResponse" }

// messageTypes lists every RPC message with the first schema generation
// that defines it, and makes an empty value of it for the decoder.
var messageTypes = map[string]messageType{
	"GetRPCMethods":                           {gen10, func() Message { return new(GetRPCMethods) }},
	"GetRPCMethodsResponse":                   {gen10, func() Message { return new(GetRPCMethodsResponse) }},
	"SetParameterValues":                      {gen10, func() Message { return new(SetParameterValues) }},
	"SetParameterValuesResponse":              {gen10, func() Message { return new(SetParameterValuesResponse) }},
	"GetParameterValues":                      {gen10, func() Message { return new(GetParameterValues) }},
	"GetParameterValuesResponse":              {gen10, func() Message { return new(GetParameterValuesResponse) }},
	"GetParameterNames":                       {gen10, func() Message { return new(GetParameterNames) }},
	"GetParameterNamesResponse":               {gen10, func() Message { return new(GetParameterNamesResponse) }},
	"SetParameterAttributes":                  {gen10, func() Message { return new(SetParameterAttributes) }},
	"SetParameterAttributesResponse":          {gen10, func() Message { return new(SetParameterAttributesResponse) }},
	"GetParameterAttributes":                  {gen10, func() Message { return new(GetParameterAttributes) }},
	"GetParameterAttributesResponse":          {gen10, func() Message { return new(GetParameterAttributesResponse) }},
	"AddObject":                               {gen10, func() Message { return new(AddObject) }},
	"AddObjectResponse":                       {gen10, func() Message { return new(AddObjectResponse) }},
	"DeleteObject":                            {gen10, func() Message { return new(DeleteObject) }},
	"DeleteObjectResponse":                    {gen10, func() Message { return new(DeleteObjectResponse) }},
	"Reboot":                                  {gen10, func() Message { return new(Reboot) }},
	"RebootResponse":                          {gen10, func() Message { return new(RebootResponse) }},
	"Download":                                {gen10, func() Message { return new(Download) }},
	"DownloadResponse":                        {gen10, func() Message { return new(DownloadResponse) }},
	"Upload":                                  {gen10, func() Message { return new(Upload) }},
	"UploadResponse":                          {gen10, func() Message { return new(UploadResponse) }},
	"FactoryReset":                            {gen10, func() Message { return new(FactoryReset) }},
	"FactoryResetResponse":                    {gen10, func() Message { return new(FactoryResetResponse) }},
	"GetQueuedTransfers":                      {gen10, func() Message { return new(GetQueuedTransfers) }},
	"GetQueuedTransfersResponse":              {gen10, func() Message { return new(GetQueuedTransfersResponse) }},
	"GetAllQueuedTransfers":                   {gen11, func() Message { return new(GetAllQueuedTransfers) }},
	"GetAllQueuedTransfersResponse":           {gen11, func() Message { return new(GetAllQueuedTransfersResponse) }},
	"ScheduleInform":                          {gen10, func() Message { return new(ScheduleInform) }},
	"ScheduleInformResponse":                  {gen10, func() Message { return new(ScheduleInformResponse) }},
	"SetVouchers":                             {gen10, func() Message { return new(SetVouchers) }},
	"SetVouchersResponse":                     {gen10, func() Message { return new(SetVouchersResponse) }},
	"GetOptions":                              {gen10, func() Message { return new(GetOptions) }},
	"GetOptionsResponse":                      {gen10, func() Message { return new(GetOptionsResponse) }},
	"ScheduleDownload":                        {gen12, func() Message { return new(ScheduleDownload) }},
	"ScheduleDownloadResponse":                {gen12, func() Message { return new(ScheduleDownloadResponse) }},
	"CancelTransfer":                          {gen12, func() Message { return new(CancelTransfer) }},
	"CancelTransferResponse":                  {gen12, func() Message { return new(CancelTransferResponse) }},
	"ChangeDUState":                           {gen12, func() Message { return new(ChangeDUState) }},
	"ChangeDUStateResponse":                   {gen12, func() Message { return new(ChangeDUStateResponse) }},
	"Inform":                                  {gen10, func() Message { return new(Inform) }},
	"InformResponse":                          {gen10, func() Message { return new(InformResponse) }},
	"TransferComplete":                        {gen10, func() Message { return new(TransferComplete) }},
	"TransferCompleteResponse":                {gen10, func() Message { return new(TransferCompleteResponse) }},
	"AutonomousTransferComplete":              {gen11, func() Message { return new(AutonomousTransferComplete) }},
	"AutonomousTransferCompleteResponse":      {gen11, func() Message { return new(AutonomousTransferCompleteResponse) }},
	"DUStateChangeComplete":                   {gen12, func() Message { return new(DUStateChangeComplete) }},
	"DUStateChangeCompleteResponse":           {gen12, func() Message { return new(DUStateChangeCompleteResponse) }},
	"AutonomousDUStateChangeComplete":         {gen12, func() Message { return new(AutonomousDUStateChangeComplete) }},
	"AutonomousDUStateChangeCompleteResponse": {gen12, func() Message { return new(AutonomousDUStateChangeCompleteResponse) }},
	"RequestDownload":                         {gen10, func() Message { return new(RequestDownload) }},
	"RequestDownloadResponse":                 {gen10, func() Message { return new(RequestDownloadResponse) }},
	"Kicked":                                  {gen10, func() Message { return new(Kicked) }},
	"KickedResponse":                          {gen10, func() Message { return new(KickedResponse) }},
}
