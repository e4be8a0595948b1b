package host

import "fmt"

// keepNewer plans s, an update, unchanged when SyncOptions.Older says the
// origin's copy is older than the destination's: a sync never moves a
// resource back to an older version. The destination's body stays what a
// whole-content destination is written with.
func (r *syncRun) keepNewer(s *step) error {
	origin, err := r.spill.get(s.src.body)
	if err != nil {
		return err
	}
	dest, err := r.spill.get(s.dst.body)
	if err != nil {
		return err
	}
	why, older, err := r.opts.Older(s.src.rec.Type(), s.src.rec.ID(), s.src.rec.URI(), origin, dest)
	if err != nil {
		return fmt.Errorf("%s: %w", s.src.rec.describe(), err)
	}
	if older {
		s.action = actUnchanged
		s.setReason(why)
		s.body, s.keepsDst = s.dst.body, true
	}
	return nil
}
