package report

import (
	"bytes"
	"encoding/json"
	"strings"
)

// mdEscaper keeps user text from turning into markup (headings, links,
// emphasis, HTML) when the Markdown is rendered.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;",
	"#", `\#`, "|", `\|`)

func mdText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return mdEscaper.Replace(s)
}

// mdCell is text inside a table cell: one line.
func mdCell(s string) string {
	lines := strings.Split(mdText(s), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "<br>")
}

// mdCode is text in an inline code span (the fence grows past any
// backtick run inside).
func mdCode(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if len(fence) > 1 {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// Markdown renders the report as GitHub-flavoured Markdown, the signed
// manifest appended as a JSON code block.
func (d *Data) Markdown() ([]byte, error) {
	var b bytes.Buffer
	for _, bl := range d.document("appended to this report as JSON (Appendix)") {
		switch bl.kind {
		case bTitle:
			b.WriteString("# " + mdText(bl.text) + "\n\n")
		case bH1:
			b.WriteString("## " + mdText(bl.text) + "\n\n")
		case bH2:
			b.WriteString("### " + mdText(bl.text) + "\n\n")
		case bPara:
			b.WriteString(mdText(bl.text) + "\n\n")
		case bFields:
			for _, f := range bl.fields {
				v := mdCell(f[1])
				if bl.monoValues[f[0]] {
					v = mdCode(f[1])
				}
				b.WriteString("- **" + mdText(f[0]) + ":** " + v + "\n")
			}
			b.WriteString("\n")
		case bTable:
			b.WriteString("|")
			for _, h := range bl.header {
				b.WriteString(" " + mdCell(h) + " |")
			}
			b.WriteString("\n|")
			for range bl.header {
				b.WriteString(" --- |")
			}
			b.WriteString("\n")
			for _, r := range bl.rows {
				b.WriteString("|")
				for i, c := range r {
					v := mdCell(c)
					if i < len(bl.mono) && bl.mono[i] {
						v = mdCode(c)
					}
					b.WriteString(" " + v + " |")
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		case bNote:
			for _, f := range bl.fields {
				b.WriteString("**" + mdText(f[0]) + "**\n\n")
				for _, line := range strings.Split(mdText(f[1]), "\n") {
					b.WriteString("> " + line + "\n")
				}
				b.WriteString("\n")
			}
		case bCode:
			b.WriteString("```\n" + bl.text + "\n```\n\n")
		}
	}
	if d.Manifest != nil {
		js, err := json.MarshalIndent(d.Manifest, "", "  ")
		if err != nil {
			return nil, err
		}
		b.WriteString("## Appendix: signed evidence manifest\n\n")
		b.WriteString("Save the JSON below as a file and check it with `securenexus evidence verify-manifest FILE`.\n\n")
		fence := "```"
		for bytes.Contains(js, []byte(fence)) {
			fence += "`"
		}
		b.WriteString(fence + "json\n")
		b.Write(js)
		b.WriteString("\n" + fence + "\n")
	}
	return b.Bytes(), nil
}
