#!/usr/bin/env python3
"""The report form and its receipt in headless Chromium, driven by Selenium (ReportFormTests runs this).

Usage: report_flow.py BASE FORM_URL COMMITTEE_LINK HANDLER_LINK OFFICE_LINK OTHER_HANDLER_LINK ARTEFACTS

A worker opens the QR form of an oilfield station without an account and reports anonymously:
the receipt page gives a code. The plant's discipline committee (signed in by its link) classifies
the report on the case page, the routed department's handler claims and rectifies it, the
discipline office answers. The worker opens the receipt again and rates the answer; the case is
answered. A handler of another department opens the case and sees no reporter. On a failure a
screenshot and the page's HTML of every browser are saved under ARTEFACTS and their paths printed.
"""

import atexit
import os
import shutil
import struct
import sys
import tempfile
import zlib

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from web_flow import browser, check, keep_artefacts, navigate, text


def png_with_text():
    """A PNG of one pixel with a tEXt chunk."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\x00taken at 37.77N 122.41W")
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def case_page(driver, link, base):
    """Signs in with `link` and opens the first case of the inbox; returns its id."""
    driver.get(link)
    check(driver.current_url.rstrip("/") == base.rstrip("/"), f"after sign-in at {driver.current_url}")
    tasks = driver.find_elements(By.CSS_SELECTOR, "#tasks li[data-case] a")
    check(len(tasks) == 1, f"one task in the inbox: {text(driver, '#tasks')!r}")
    case_id = driver.find_element(By.CSS_SELECTOR, "#tasks li[data-case]").get_attribute("data-case")
    navigate(driver, "#tasks li[data-case] a")
    return case_id


def send(driver, event, state):
    navigate(driver, f'form[data-event="{event}"] button[type="submit"]')
    found = driver.find_element(By.ID, "state").get_attribute("data-state")
    check(found == state, f"after {event} the case is {state}, not {found!r}: {text(driver, '#refusal')!r}")


def main():
    base, form_url, committee_link, handler_link, office_link, other_link, artefacts = sys.argv[1:8]
    drivers = {}
    step = "start"
    try:
        # The worker scans the code: the form, in Chinese, the station read-only.
        step = "worker opens the form"
        worker = drivers["worker"] = browser()
        worker.get(form_url)
        check(worker.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith("zh"), "the form is in Chinese")
        check(worker.find_element(By.ID, "node").get_attribute("data-node") == "opp_area_1_station_1",
              f"the node is shown: {text(worker, '#node')!r}")
        check(worker.find_element(By.ID, "identity-anonymous").is_selected(), "anonymous by default")
        check(not worker.find_elements(By.ID, "identity-real"), "no real name without signing in")

        # Sent without a description the browser keeps it (required); with one it goes.
        step = "worker reports"
        Select(worker.find_element(By.ID, "report-channel")).select_by_value("qr_code")
        worker.find_element(By.ID, "report-description").send_keys("采油一站夜班补贴6月未发放")
        # One photo attached: a PNG of one pixel, with a text chunk the daemon removes.
        folder = tempfile.mkdtemp(prefix="gridflow-photo-")
        atexit.register(shutil.rmtree, folder, True)
        photo = os.path.join(folder, "photo.png")
        with open(photo, "wb") as out:
            out.write(png_with_text())
        worker.find_element(By.ID, "report-photos").send_keys(photo)
        navigate(worker, '#report-form button[type="submit"]')
        check("/receipts/" in worker.current_url, f"the receipt page at {worker.current_url}")
        code = text(worker, "#receipt-code")
        check(len(code) == 23, f"a receipt code: {code!r}")
        check(text(worker, "#received") != "", "the page says the report is received")
        check(worker.find_element(By.ID, "state").get_attribute("data-state") == "submitted", "the report waits")
        receipt = worker.find_element(By.ID, "receipt-url").get_attribute("href")

        # The committee classifies it on the case page.
        step = "committee classifies"
        committee = drivers["committee"] = browser()
        case_id = case_page(committee, committee_link, base)
        Select(committee.find_element(By.ID, "event-classify-area")).select_by_value("vital_interests")
        Select(committee.find_element(By.ID, "event-classify-report_type")).select_by_value("problem")
        committee.find_element(By.ID, "event-classify-classification_note").send_keys("员工切身利益")
        send(committee, "classify", "awaiting_claim")
        links = committee.find_elements(By.CSS_SELECTOR, 'dd[data-field="photos"] a[data-attachment]')
        check(len(links) == 1 and links[0].text == "photos-1.png", f"the photo is linked: {text(committee, '#fields')!r}")

        # hr's handler claims and rectifies it.
        step = "department claims and rectifies"
        handler = drivers["handler"] = browser()
        check(case_page(handler, handler_link, base) == case_id, "the handler's task is the report")
        send(handler, "claim", "in_progress")
        handler.find_element(By.ID, "event-rectify-handling_note").send_keys("已补发6月夜班补贴")
        send(handler, "rectify", "response_check")

        # The discipline office answers.
        step = "office answers"
        office = drivers["office"] = browser()
        check(case_page(office, office_link, base) == case_id, "the office's task is the report")
        office.find_element(By.ID, "event-answer-response").send_keys("夜班补贴已补发。")
        send(office, "answer", "awaiting_feedback")

        # A handler of another department sees the report but not who reported.
        step = "another department"
        other = drivers["other"] = browser()
        other.get(other_link)
        other.get(f"{base.rstrip('/')}/cases/{case_id}")
        check("夜班补贴" in text(other, "#fields"), f"the report is readable: {text(other, 'main')!r}")
        shown = [element.text for element in
                 other.find_elements(By.CSS_SELECTOR, 'dd[data-field="reporter"]:not([data-hidden="true"])')]
        check(shown == [], f"no reporter shown: {shown!r}")

        # The worker follows the receipt and rates the answer.
        step = "worker rates"
        worker.get(receipt)
        check("夜班补贴已补发。" in text(worker, "#fields"), f"the answer is on the receipt: {text(worker, '#fields')!r}")
        Select(worker.find_element(By.ID, "event-confirm-satisfaction")).select_by_index(1)
        worker.find_element(By.ID, "event-confirm-feedback").send_keys("已收到，谢谢")
        send(worker, "confirm", "answered")
        check("已收到，谢谢" in text(worker, "#fields"), "the rating is on the receipt")
        check(not worker.find_elements(By.CSS_SELECTOR, "form.event"), "nothing left to rate")
        print("report flow: all steps passed")
        return 0
    except Exception as error:  # a failed check or a Selenium error: keep what the browsers show
        keep_artefacts(drivers, artefacts)
        print(f"report flow failed at step '{step}': {error}")
        return 1
    finally:
        for driver in drivers.values():
            driver.quit()


if __name__ == "__main__":
    sys.exit(main())
