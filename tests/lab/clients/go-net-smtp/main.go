// Client-lab driver: Go net/smtp sends one message, STARTTLS only if net/smtp's own
// Extension("STARTTLS") reports it; the test certificate is not verified. Prints
// "LAB saw-starttls=yes|no". Usage: go-net-smtp HOST PORT. Standard library only.
package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"time"
)

const message = "From: a@lab.test\r\nTo: b@mx.test\r\nSubject: lab\r\n\r\nclient lab\r\n"

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go-net-smtp HOST PORT")
		os.Exit(2)
	}
	if err := send(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "LAB error:", err)
		os.Exit(1)
	}
}

func send(host, port string) error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 20*time.Second)
	if err != nil {
		return err
	}
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		return err
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	if err := c.Hello("lab.test"); err != nil {
		return err
	}
	saw, _ := c.Extension("STARTTLS")
	if saw {
		fmt.Println("LAB saw-starttls=yes")
		if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
			return err
		}
	} else {
		fmt.Println("LAB saw-starttls=no")
	}
	if err := c.Mail("a@lab.test"); err != nil {
		return err
	}
	if err := c.Rcpt("b@mx.test"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(message)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
