package rover

import (
	"fmt"
	"time"

	"github.com/telechan/telechan/rch/bin"
	"github.com/telechan/telechan/rch/mpsc"
	"github.com/telechan/telechan/rch/oneshot"
	"github.com/telechan/telechan/rch/watch"
)

// Telemetry is the rover's first message on the base channel: the
// receiving halves of the channels it sends on.
type Telemetry struct {
	Frames *mpsc.Receiver[Frame]   `json:"frames"`
	Status *watch.Receiver[Status] `json:"status"`
}

// Controls is the operator's first message on the base channel: the
// receiving halves of the channels it sends on.
type Controls struct {
	Commands *mpsc.Receiver[Command] `json:"commands"`
	Stop     *oneshot.Receiver[Stop] `json:"stop"`
}

// Frame is one camera frame. Its bytes follow on Data, a stream of their
// own whose size is announced; Sum is their SHA-256.
type Frame struct {
	Seq  int         `json:"seq"`
	Of   int         `json:"of"`
	Sum  [32]byte    `json:"sum"`
	Data *bin.Reader `json:"data"`
}

// Command steers the rover by Steer degrees. The rover answers on Ack with
// the time the command arrived.
type Command struct {
	Seq    int                        `json:"seq"`
	Steer  int                        `json:"steer"`
	SentAt time.Time                  `json:"sent_at"`
	Ack    *oneshot.Sender[time.Time] `json:"ack"`
}

// Stop is the emergency stop. The rover answers on Ack with the time it
// arrived.
type Stop struct {
	SentAt time.Time                  `json:"sent_at"`
	Ack    *oneshot.Sender[time.Time] `json:"ack"`
}

// Status is what the rover reports on its watch channel: only the latest
// matters.
type Status struct {
	Stopped    bool `json:"stopped"`
	Heading    int  `json:"heading"`
	FramesSent int  `json:"frames_sent"`
	Commands   int  `json:"commands"`
}

// String describes the status in a few words.
func (s Status) String() string {
	mode := "driving"
	if s.Stopped {
		mode = "STOPPED"
	}
	return fmt.Sprintf("%s, heading %+d°, %d frames sent, %d commands obeyed", mode, s.Heading, s.FramesSent, s.Commands)
}
