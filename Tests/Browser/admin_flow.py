#!/usr/bin/env python3
"""The administration, bulletin and file pages in headless Chromium, driven by Selenium
(AdminPagesTests runs this).

Usage: admin_flow.py BASE INCIDENT ADMIN_LINK OFFICE_LINK MEMBER_LINK OTHER_LINK ARTEFACTS

The tour's administrator signs in, opens the administration from the layout, retries the
incident with its button (it leaves the list). The telecom office's person opens the bulletins
from the layout and picks a period. A telecom member uploads a file through the space's form;
another member of the space downloads it (the same bytes) and is shown no delete or move button.
On a failure a screenshot and the page's HTML are saved under ARTEFACTS and their paths printed.
"""

import atexit
import os
import shutil
import sys
import tempfile
import time

from selenium.webdriver.common.by import By

from web_flow import browser, check, keep_artefacts, navigate, text


def main():
    base, incident, admin_link, office_link, member_link, other_link, artefacts = sys.argv[1:8]
    base = base.rstrip("/")
    drivers = {}
    step = "start"
    work = tempfile.mkdtemp(prefix="admin-flow-")
    atexit.register(shutil.rmtree, work, True)
    try:
        # The administrator retries the incident from the administration pages.
        step = "administrator retries the incident"
        admin = drivers["admin"] = browser()
        admin.get(admin_link)
        navigate(admin, 'nav.links a[href$="/admin"]')
        navigate(admin, '#admin-pages a[href$="/incidents"]')
        check(admin.find_elements(By.CSS_SELECTOR, f'li[data-incident="{incident}"]'),
              f"the incident is listed: {text(admin, 'main')!r}")
        navigate(admin, f'li[data-incident="{incident}"] button[type="submit"]')
        check(f"#{incident}" in text(admin, "#retried"), f"the retry is confirmed: {text(admin, 'main')!r}")
        check(not admin.find_elements(By.CSS_SELECTOR, "li[data-incident]"), "the incident has left the list")

        # The office opens the bulletin and picks a period.
        step = "bulletin"
        office = drivers["office"] = browser()
        office.get(office_link)
        navigate(office, 'nav.links a[href$="/bulletins"]')
        navigate(office, '#reports li[data-report="supervision_bulletin"] a')
        office.find_element(By.ID, "period").send_keys("2024-Q3")
        navigate(office, "#period-form button")
        check("period=2024-Q3" in office.current_url, f"the bulletin of the period at {office.current_url}")
        check(office.find_elements(By.CSS_SELECTOR, "header.masthead h1"), "the bulletin's masthead is shown")
        check(office.find_element(By.ID, "period").get_attribute("value") == "2024-Q3", "the picker keeps the period")

        # A member uploads a file into the space's duty material.
        step = "upload"
        member = drivers["member"] = browser()
        member.get(member_link)
        navigate(member, 'nav.links a[href$="/files"]')
        navigate(member, '#spaces li[data-space="team_supervisors"] a')
        content = "二季度履职材料\n已完成。\n"
        path = os.path.join(work, "duty.txt")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
        member.find_element(By.CSS_SELECTOR, '#upload-folder option[value="duty_material"]').click()
        member.find_element(By.ID, "upload-file").send_keys(path)
        navigate(member, "#upload-form button")
        check(member.find_elements(By.CSS_SELECTOR, '#files li[data-name="duty.txt"]'),
              f"the file is listed: {text(member, 'main')!r}")
        check(member.find_elements(By.CSS_SELECTOR, '#files li[data-name="duty.txt"] form[action$="/delete"]'),
              "its owner may delete it")

        # Another member downloads it, and may neither delete nor move it.
        step = "download"
        downloads = os.path.join(work, "downloads")
        os.makedirs(downloads)
        other = drivers["other"] = browser(downloads)
        other.get(other_link)
        other.get(f"{base}/units/telecom/files/team_supervisors")
        item = '#files li[data-name="duty.txt"]'
        check(other.find_elements(By.CSS_SELECTOR, item), f"the other member sees the file: {text(other, 'main')!r}")
        check(not other.find_elements(By.CSS_SELECTOR, f"{item} form"), "no delete or move for another member")
        other.find_element(By.CSS_SELECTOR, f"{item} a[download]").click()
        target = os.path.join(downloads, "duty.txt")
        for _ in range(100):
            if os.path.exists(target) and not any(name.endswith(".crdownload") for name in os.listdir(downloads)):
                break
            time.sleep(0.1)
        check(os.path.exists(target), f"the download arrived: {os.listdir(downloads)}")
        with open(target, encoding="utf-8") as handle:
            check(handle.read() == content, "the downloaded file has the uploaded bytes")
        print("admin flow: all steps passed")
        return 0
    except Exception as error:  # a failed check or a Selenium error: keep what the browsers show
        keep_artefacts(drivers, artefacts)
        print(f"admin flow failed at step '{step}': {error}")
        return 1
    finally:
        for driver in drivers.values():
            driver.quit()


if __name__ == "__main__":
    sys.exit(main())
