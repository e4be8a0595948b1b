package shared

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressBar counts writes on a terminal's stderr, redrawn at most every
// 100ms and cleared when done; it is never used in pipes or CI.
type progressBar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

func (p *progressBar) Start(total int) {
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("writing"),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetRenderBlankState(false),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	)
}

func (p *progressBar) Add(n int) {
	if p.bar != nil {
		p.bar.Add(n)
	}
}

func (p *progressBar) Finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
