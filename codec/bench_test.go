package codec_test

import "testing"

// benchStatus is a typical status message: fullStatus with a 64-byte thumbnail.
func benchStatus() RobotStatus {
	s := fullStatus()
	s.Thumbnail = make([]byte, 64)
	return s
}

// BenchmarkRoundTrip measures Marshal then Unmarshal of a status message.
func BenchmarkRoundTrip(b *testing.B) {
	benchRoundTrip(b, benchStatus())
}

// BenchmarkRoundTripBlob measures the same with a 4 KiB []byte, where JSON pays for base64.
func BenchmarkRoundTripBlob(b *testing.B) {
	s := benchStatus()
	s.Thumbnail = make([]byte, 4<<10)
	for i := range s.Thumbnail {
		s.Thumbnail[i] = byte(i * 7)
	}
	benchRoundTrip(b, s)
}

func benchRoundTrip(b *testing.B, in RobotStatus) {
	for _, c := range codecs {
		b.Run(c.Name(), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				data, err := c.Marshal(&in)
				if err != nil {
					b.Fatal(err)
				}
				var out RobotStatus
				if err := c.Unmarshal(data, &out); err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			b.ReportMetric(float64(size), "bytes/msg")
		})
	}
}

// BenchmarkUnmarshalAny measures decoding a status message into an interface value.
func BenchmarkUnmarshalAny(b *testing.B) {
	in := benchStatus()
	for _, c := range codecs {
		b.Run(c.Name(), func(b *testing.B) {
			data, err := c.Marshal(&in)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				var out any
				if err := c.Unmarshal(data, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
