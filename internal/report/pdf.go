package report

import (
	"bytes"
	"encoding/json"
	"fmt"

	"codeberg.org/go-pdf/fpdf"
)

// PDF layout (millimetres, A4 portrait).
const (
	pdfMargin   = 15.0
	pdfTop      = 18.0
	pdfBottom   = 16.0
	pdfWidth    = 210.0 - 2*pdfMargin
	pdfKeyWidth = 38.0
	maxCellRows = 60 // lines of one table cell before it is cut
)

// PDF renders the report with the standard fonts (text in Windows-1252,
// see toCP1252), the signed evidence manifest attached as a JSON file.
func (d *Data) PDF() ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(true)
	p.SetCatalogSort(true)
	p.SetCreationDate(d.GeneratedAt)
	p.SetModificationDate(d.GeneratedAt)
	p.SetTitle("Incident report: "+d.Incident.Title, true)
	p.SetSubject("Incident "+d.Incident.ID.String(), true)
	p.SetCreator("SecureNexus", false)
	p.SetAuthor(d.actor(d.GeneratedBy), true)
	p.SetMargins(pdfMargin, pdfTop, pdfMargin)
	p.SetAutoPageBreak(true, pdfBottom)
	p.AliasNbPages("{nb}")
	title := toCP1252(d.Incident.Title)
	if len(title) > 80 {
		title = title[:77] + "..."
	}
	p.SetHeaderFunc(func() {
		if p.PageNo() == 1 {
			return
		}
		p.SetY(8)
		p.SetFont("Helvetica", "", 7.5)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 4, "SecureNexus incident report - "+title, "", 1, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
		p.SetY(pdfTop)
	})
	p.SetFooterFunc(func() {
		p.SetY(-11)
		p.SetFont("Helvetica", "", 7.5)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 4, fmt.Sprintf("Incident %s - generated %s - page %d of {nb}", d.Incident.ID, ts(d.GeneratedAt), p.PageNo()), "", 0, "C", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	if d.Manifest != nil {
		js, err := json.MarshalIndent(d.Manifest, "", "  ")
		if err != nil {
			return nil, err
		}
		p.SetAttachments([]fpdf.Attachment{{Content: js, Filename: "evidence-manifest-" + d.Incident.ID.String() + ".json",
			Description: "Signed evidence manifest (securenexus evidence verify-manifest)"}})
	}
	p.AddPage()
	r := &pdfWriter{p: p}
	for _, b := range d.document("attached to this PDF as evidence-manifest-" + d.Incident.ID.String() + ".json") {
		r.block(b)
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		return nil, fmt.Errorf("report: render PDF: %w", err)
	}
	return out.Bytes(), nil
}

type pdfWriter struct{ p *fpdf.Fpdf }

func (w *pdfWriter) room(h float64) {
	_, pageH := w.p.GetPageSize()
	if w.p.GetY()+h > pageH-pdfBottom {
		w.p.AddPage()
	}
}

func (w *pdfWriter) font(mono, bold bool, size float64) {
	style := ""
	if bold {
		style = "B"
	}
	if mono {
		w.p.SetFont("Courier", style, size-0.5)
		return
	}
	w.p.SetFont("Helvetica", style, size)
}

// lines wraps text (already Windows-1252) to width in the current font.
func (w *pdfWriter) lines(text string, width float64) []string {
	var out []string
	for _, l := range w.p.SplitLines([]byte(text), width) {
		out = append(out, string(l))
	}
	if len(out) == 0 {
		out = []string{""}
	}
	if len(out) > maxCellRows {
		out = append(out[:maxCellRows-1], "[... cut: see the Markdown export]")
	}
	return out
}

func (w *pdfWriter) block(b block) {
	p := w.p
	switch b.kind {
	case bTitle:
		w.font(false, true, 16)
		p.MultiCell(0, 7, toCP1252(b.text), "", "L", false)
		p.Ln(1)
	case bH1:
		w.room(24)
		p.Ln(3)
		p.Bookmark(b.text, 0, -1)
		w.font(false, true, 13)
		p.SetTextColor(20, 60, 120)
		p.MultiCell(0, 6.5, toCP1252(b.text), "", "L", false)
		p.SetTextColor(0, 0, 0)
		y := p.GetY()
		p.SetDrawColor(20, 60, 120)
		p.Line(pdfMargin, y, pdfMargin+pdfWidth, y)
		p.SetDrawColor(0, 0, 0)
		p.Ln(2)
	case bH2:
		w.room(16)
		p.Ln(1.5)
		p.Bookmark(b.text, 1, -1)
		w.font(false, true, 10.5)
		p.MultiCell(0, 5.5, toCP1252(b.text), "", "L", false)
		p.Ln(0.5)
	case bPara:
		w.font(false, false, 9)
		p.MultiCell(0, 4.4, toCP1252(b.text), "", "L", false)
		p.Ln(1.5)
	case bFields:
		for _, f := range b.fields {
			w.font(b.monoValues[f[0]], false, 9)
			vals := w.lines(toCP1252(f[1]), pdfWidth-pdfKeyWidth)
			h := float64(len(vals)) * 4.4
			w.room(h)
			y := p.GetY()
			w.font(false, true, 9)
			p.SetXY(pdfMargin, y)
			p.CellFormat(pdfKeyWidth, 4.4, toCP1252(f[0]), "", 0, "L", false, 0, "")
			w.font(b.monoValues[f[0]], false, 9)
			for i, v := range vals {
				p.SetXY(pdfMargin+pdfKeyWidth, y+float64(i)*4.4)
				p.CellFormat(pdfWidth-pdfKeyWidth, 4.4, v, "", 0, "L", false, 0, "")
			}
			p.SetXY(pdfMargin, y+h)
		}
		p.Ln(1.5)
	case bTable:
		w.table(b)
		p.Ln(2)
	case bNote:
		for _, f := range b.fields {
			w.font(false, true, 8.5)
			w.room(10)
			p.SetTextColor(80, 80, 80)
			p.MultiCell(0, 4.2, toCP1252(f[0]), "", "L", false)
			p.SetTextColor(0, 0, 0)
			w.font(false, false, 9)
			p.SetX(pdfMargin + 4)
			p.MultiCell(pdfWidth-4, 4.4, toCP1252(f[1]), "L", "L", false)
			p.Ln(2)
		}
	case bCode:
		w.font(true, false, 8)
		p.MultiCell(0, 3.8, toCP1252(b.text), "", "L", false)
		p.Ln(1.5)
	}
}

func (w *pdfWriter) table(b block) {
	p := w.p
	widths := make([]float64, len(b.header))
	for i := range widths {
		widths[i] = b.widths[i] * pdfWidth
	}
	mono := func(i int) bool { return i < len(b.mono) && b.mono[i] }
	const lineH, pad = 3.9, 1.0
	var row func(cells []string, header bool)
	row = func(cells []string, header bool) {
		cols := make([][]string, len(cells))
		n := 1
		for i, c := range cells {
			w.font(mono(i) && !header, header, 8.5)
			cols[i] = w.lines(toCP1252(c), widths[i])
			n = max(n, len(cols[i]))
		}
		h := float64(n)*lineH + 2*pad
		_, pageH := p.GetPageSize()
		if !header && p.GetY()+h > pageH-pdfBottom {
			p.AddPage()
			row(b.header, true)
		}
		y, x := p.GetY(), pdfMargin
		for i, c := range cols {
			if header {
				p.SetFillColor(230, 234, 242)
				p.Rect(x, y, widths[i], h, "FD")
			} else {
				p.Rect(x, y, widths[i], h, "D")
			}
			w.font(mono(i) && !header, header, 8.5)
			for j, l := range c {
				p.SetXY(x, y+pad+float64(j)*lineH)
				p.CellFormat(widths[i], lineH, l, "", 0, "L", false, 0, "")
			}
			x += widths[i]
		}
		p.SetXY(pdfMargin, y+h)
	}
	p.SetDrawColor(190, 190, 190)
	defer p.SetDrawColor(0, 0, 0)
	w.room(14)
	row(b.header, true)
	for _, r := range b.rows {
		row(r, false)
	}
}
