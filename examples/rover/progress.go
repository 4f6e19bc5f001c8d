package rover

import (
	"fmt"
	"strings"
	"time"

	"github.com/telechan/telechan/examples/internal/exkit"
)

// bar draws the progress bar of one frame. On a terminal it is redrawn in
// place as bytes arrive, and lines printed meanwhile go above it; elsewhere
// (a pipe, a test) only the finished bar is printed, after those lines.
type bar struct {
	out   *exkit.Writer
	live  bool
	label string
	size  int64
	got   int64
	began time.Time
	drawn int // the last width drawn, to redraw only on change
}

const barWidth = 30

func newBar(out *exkit.Writer) *bar { return &bar{out: out, live: out.IsTerminal()} }

// start begins a bar for size bytes.
func (b *bar) start(label string, size int64) {
	*b = bar{out: b.out, live: b.live, label: label, size: size, began: time.Now(), drawn: -1}
	b.draw()
}

// set records that got bytes have arrived.
func (b *bar) set(got int64) {
	b.got = got
	if w := b.width(); w != b.drawn {
		b.draw()
	}
}

// println prints a line above the bar.
func (b *bar) println(line string) {
	if b.live {
		fmt.Fprintf(b.out, "\r\033[K%s\n", line)
		b.draw()
		return
	}
	b.out.Printf("%s", line)
}

// done finishes the bar with a note.
func (b *bar) done(note string) {
	took := time.Since(b.began)
	line := fmt.Sprintf("%s %s in %v (%.1f Mbit/s), %s", b.render(), mib(int(b.got)), took.Round(10*time.Millisecond),
		float64(b.got)*8/took.Seconds()/1e6, note)
	if b.live {
		fmt.Fprintf(b.out, "\r\033[K%s\n", line)
		return
	}
	b.out.Printf("%s", line)
}

func (b *bar) width() int {
	if b.size <= 0 {
		return 0
	}
	return int(b.got * barWidth / b.size)
}

func (b *bar) render() string {
	w := b.width()
	b.drawn = w
	pct := int64(100)
	if b.size > 0 {
		pct = b.got * 100 / b.size
	}
	return fmt.Sprintf("%s [%s%s] %3d%%", b.label, strings.Repeat("█", w), strings.Repeat("·", barWidth-w), pct)
}

func (b *bar) draw() {
	if b.live {
		fmt.Fprintf(b.out, "\r\033[K%s", b.render())
	}
}
