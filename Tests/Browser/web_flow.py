#!/usr/bin/env python3
"""The daemon's pages in headless Chromium, driven by Selenium (WebPagesTests runs this).

Usage: web_flow.py BASE CASE_ID OFFICER_LINK OTHER_LINK ARTEFACTS

The officer (discipline office) signs in with their one-time link, finds the case in their
inbox, opens it, sends the answer form empty (refused: the page shows why), then with an answer
(the case is answered); a form without its CSRF token is refused. Another person signs in with
theirs and does not see who reported. On a failure a screenshot and the page's HTML are saved
under ARTEFACTS and their paths printed.
"""

import atexit
import os
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


class Failure(Exception):
    pass


def browser(downloads=None):
    """Headless Chromium at a phone's width; with `downloads`, files it downloads land there."""
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=412,915", "--lang=en"]:
        options.add_argument(argument)
    if downloads:
        options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                                  "download.prompt_for_download": False})
    # Chromium leaves folders in its temporary directory (org.chromium.Chromium.*): one of this
    # run's own, removed when it ends.
    scratch = tempfile.mkdtemp(prefix="gridflow-chromium-")
    atexit.register(shutil.rmtree, scratch, True)
    service = webdriver.ChromeService(
        executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"), env={**os.environ, "TMPDIR": scratch})
    driver = webdriver.Chrome(options=options, service=service)
    driver.implicitly_wait(0)
    return driver


def keep_artefacts(drivers, artefacts):
    """Saves a screenshot and the HTML of what each browser shows under `artefacts`, printing the paths."""
    os.makedirs(artefacts, exist_ok=True)
    for name, driver in drivers.items():
        picture = os.path.join(artefacts, f"{name}.png")
        page = os.path.join(artefacts, f"{name}.html")
        try:
            driver.save_screenshot(picture)
            with open(page, "w", encoding="utf-8") as handle:
                handle.write(driver.page_source)
            print(f"screenshot: {picture}\npage: {page}")
        except Exception as inner:
            print(f"no screenshot of {name}: {inner}")


def check(condition, message):
    if not condition:
        raise Failure(message)


def gone(element):
    """A wait condition: `element`'s document has been replaced. Chromium answers a question about
    an element of a document it is just replacing either as a stale element (what Selenium's
    `staleness_of` expects) or, caught mid-way, with "Node with given id does not belong to the
    document"; both mean the old page is gone."""
    def replaced(_driver):
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
    return replaced


def navigate(driver, selector):
    """Clicks what `selector` finds and waits until the page it leads to has replaced this one and loaded."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 20).until(gone(page))
    # A loaded page: under load the new document may still be parsing when the old one is gone.
    WebDriverWait(driver, 20).until(lambda current: current.execute_script("return document.readyState") == "complete")


def text(driver, selector):
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text if found else ""


def main():
    base, case_id, officer_link, other_link, artefacts = sys.argv[1:6]
    drivers = {}
    step = "start"
    try:
        # The officer signs in: the link lands on the inbox, the case is a task there.
        step = "officer signs in"
        officer = drivers["officer"] = browser()
        officer.get(officer_link)
        check(officer.current_url.rstrip("/") == base.rstrip("/"), f"after sign-in at {officer.current_url}")
        check("李" in text(officer, "#who"), f"signed in as {text(officer, '#who')!r}")
        tasks = officer.find_elements(By.CSS_SELECTOR, f'#tasks li[data-case="{case_id}"] a')
        check(len(tasks) == 1, f"the inbox lists the case once: {text(officer, '#tasks')!r}")

        # The filters narrow the inbox (a GET form).
        step = "inbox filter"
        officer.find_element(By.CSS_SELECTOR, '#f-state option[value="escalated"]').click()
        navigate(officer, "form.filters button")
        check("state=escalated" in officer.current_url, f"filtered at {officer.current_url}")
        check(not officer.find_elements(By.CSS_SELECTOR, f'#tasks li[data-case="{case_id}"]'),
              "the case in state submitted is not listed under escalated")
        officer.get(base)

        step = "officer opens the case"
        navigate(officer, f'#tasks li[data-case="{case_id}"] a')
        check(officer.current_url.endswith(f"/cases/{case_id}"), f"case page at {officer.current_url}")
        check(text(officer, "#state") != "" and "submitted" in
              officer.find_element(By.ID, "state").get_attribute("data-state"), "the state is submitted")
        check("王" in text(officer, 'dd[data-field="reporter"]'), "the officer sees who reported")
        check(officer.find_elements(By.CSS_SELECTOR, ".workflow-diagram .state.current"),
              "the diagram marks the current state")

        # Sent empty, the answer is refused by its guard: the page says why.
        step = "refused step"
        navigate(officer, 'form[data-event="answer"] button[type="submit"]')
        refusal = text(officer, "#refusal")
        check(refusal != "", "a refused step shows the refusal")
        check("has(case.answer)" in refusal, f"the explanation names the guard: {refusal!r}")

        # With an answer, the step is taken and the page shows the case answered.
        step = "answer"
        officer.find_element(By.ID, "event-answer-answer").send_keys("Paid on Friday.")
        navigate(officer, 'form[data-event="answer"] button[type="submit"]')
        check(officer.current_url.endswith(f"/cases/{case_id}"), f"back on the case at {officer.current_url}")
        check(officer.find_element(By.ID, "state").get_attribute("data-state") == "answered",
              f"the case is answered: {text(officer, '#state')!r}")
        check("Paid on Friday." in text(officer, 'dd[data-field="answer"]'), "the answer is shown")
        check("answer" in text(officer, "#history"), "the history has the answer")
        officer.get(base)
        check(not officer.find_elements(By.CSS_SELECTOR, f'#tasks li[data-case="{case_id}"]'),
              "the answered case has left the inbox")

        # A form without its CSRF token is refused.
        step = "csrf"
        officer.execute_script("document.querySelector('form.signout input[name=_csrf]').remove()")
        navigate(officer, "form.signout button")
        check("CSRF" in text(officer, "#message"), f"a form without the token is refused: {text(officer, 'main')!r}")
        officer.get(base)
        check("李" in text(officer, "#who"), "still signed in after the refused sign-out")

        # Another employee sees the case without who reported.
        step = "another person"
        other = drivers["other"] = browser()
        other.get(other_link)
        other.get(f"{base.rstrip('/')}/cases/{case_id}")
        hidden = other.find_elements(By.CSS_SELECTOR, 'dd[data-field="reporter"][data-hidden="true"]')
        check(len(hidden) == 1, "the reporter field is named as hidden")
        source = other.page_source
        check("王" not in source and "wang" not in source, "nothing on the page names the reporter")
        check(not other.find_elements(By.CSS_SELECTOR, "form.event"), "no event form for someone who may not act")
        print("web flow: all steps passed")
        return 0
    except Exception as error:  # a failed check or a Selenium error: keep what the browsers show
        keep_artefacts(drivers, artefacts)
        print(f"web flow failed at step '{step}': {error}")
        return 1
    finally:
        for driver in drivers.values():
            driver.quit()


if __name__ == "__main__":
    sys.exit(main())
