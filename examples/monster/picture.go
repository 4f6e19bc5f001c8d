package monster

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// picture draws a w×h PNG: a smiling blob in the given colour.
func picture(w, h int, r, g, b uint8) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx, cy, rad := w/2, h/2, min(w, h)*2/5
	for y := range h {
		for x := range w {
			dx, dy := x-cx, y-cy
			c := color.NRGBA{0xf0, 0xf0, 0xe0, 0xff}
			if dx*dx+dy*dy < rad*rad {
				c = color.NRGBA{r, g, b, 0xff}
			}
			if eye(dx+rad/3, dy+rad/3, rad/8) || eye(dx-rad/3, dy+rad/3, rad/8) {
				c = color.NRGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img) // cannot fail on a bytes.Buffer
	return buf.Bytes()
}

func eye(dx, dy, r int) bool { return dx*dx+dy*dy < r*r }
