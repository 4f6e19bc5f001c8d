package rfn

// The messages of a function's request channel, from holders to the
// server. A holder says hello once (with the channel its replies come back
// on), then calls, may cancel a call, and says bye when it closes.
const (
	opHello  = "hello"
	opCall   = "call"
	opCancel = "cancel"
	opBye    = "bye"
)

// request is one message on a function's request channel.
type request[A, R any] struct {
	Op       string          `json:"op"`
	Holder   uint64          `json:"holder"`
	Call     uint64          `json:"call,omitempty"`
	Arg      A               `json:"arg,omitempty"`
	Deadline int64           `json:"deadline,omitempty"` // Unix nanoseconds
	Replies  *replySender[R] `json:"replies,omitempty"`
}

// reply answers one call.
type reply[R any] struct {
	Call   uint64     `json:"call"`
	Result R          `json:"result,omitempty"`
	Err    *CallError `json:"err,omitempty"`
}
