package bench

import (
	"context"
	"time"

	"github.com/telechan/telechan/codec"
)

// RobotStatus is a typical status message, the payload of the codec
// figures: a dozen fields of mixed kinds, a nested pose, a short list, a
// small map, a 64-byte thumbnail and a timestamp.
type RobotStatus struct {
	Name      string         `json:"name"`
	Seq       uint64         `json:"seq"`
	Battery   int8           `json:"battery"`
	Temp      float64        `json:"temp"`
	Speed     float32        `json:"speed"`
	Enabled   bool           `json:"enabled"`
	Pose      Pose           `json:"pose"`
	Goal      *Pose          `json:"goal,omitempty"`
	Faults    []string       `json:"faults,omitempty"`
	Counters  map[string]int `json:"counters,omitempty"`
	Thumbnail []byte         `json:"thumbnail,omitempty"`
	Stamp     time.Time      `json:"stamp"`
}

// Pose is a position and heading.
type Pose struct {
	X, Y, Theta float64
}

func robotStatus() RobotStatus {
	return RobotStatus{
		Name: "elmo", Seq: 123456, Battery: 87, Temp: 41.5, Speed: 1.25, Enabled: true,
		Pose:      Pose{X: 12.5, Y: -3.25, Theta: 1.5707963},
		Goal:      &Pose{X: 20, Y: 0},
		Faults:    []string{"lidar-dirty"},
		Counters:  map[string]int{"moves": 1042, "stops": 17},
		Thumbnail: make([]byte, 64),
		Stamp:     time.Date(2026, time.March, 9, 17, 4, 5, 123456789, time.UTC),
	}
}

// measureCodec runs Marshal then Unmarshal of a RobotStatus through c for
// about window and returns the time of one round, in ns.
func measureCodec(ctx context.Context, c codec.Codec, window time.Duration) (float64, error) {
	in := robotStatus()
	round := func() error {
		data, err := c.Marshal(&in)
		if err != nil {
			return err
		}
		var out RobotStatus
		return c.Unmarshal(data, &out)
	}
	n, batch := 0, 64
	start := time.Now()
	for time.Since(start) < window && ctx.Err() == nil {
		for range batch {
			if err := round(); err != nil {
				return 0, err
			}
		}
		n += batch
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n), ctx.Err()
}
